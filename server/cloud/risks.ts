import type { CloudResourceInfo } from "@/server/providers/cloud";

/** Risk flags the inventory page filters by and the UI explains. */
export const RISKS = {
  "public-bucket": "Storage anyone on the internet may read (public access not blocked, or a public container)",
  unencrypted: "Data at rest is not encrypted",
  "stopped-costing": "Stopped but still billed (attached disks/storage, or an Azure VM stopped without deallocation)",
  "publicly-accessible": "A database reachable from the internet",
} as const;
export type Risk = keyof typeof RISKS;
export const RISK_KEYS = Object.keys(RISKS) as Risk[];

/** Judges a resource's facts. Kept separate from the providers so the rules are the same for every cloud. */
export function risksOf(r: Pick<CloudResourceInfo, "type" | "facts">): Risk[] {
  const out: Risk[] = [];
  const f = r.facts;
  if (f.publicAccess === true || f.publicAccessBlocked === false) out.push("public-bucket");
  if (f.encrypted === false) out.push("unencrypted");
  // EC2/GCE: a stopped instance keeps its disks (billed); Azure: "stopped" still bills compute, "deallocated" only disks.
  if (f.power === "stopped" && ["ec2.instance", "gce.instance", "azure.vm", "rds.instance"].includes(r.type)) out.push("stopped-costing");
  if (r.type === "rds.instance" && f.publiclyAccessible) out.push("publicly-accessible");
  return out;
}
