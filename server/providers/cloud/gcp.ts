import { InstancesClient } from "@google-cloud/compute";
import { Storage } from "@google-cloud/storage";
import { errorText, type CloudProvider, type CloudResourceInfo, type Inventory, type ResourceFacts } from "./types";

export type GcpProject = { projectId: string; keyFile?: string };
/** Extra client options per library (tests pass each its own authClient; nothing else changes). */
export type GcpOptions = { computeOptions?: Record<string, unknown>; storageOptions?: Record<string, unknown> };

/** Compute Engine instance status → power. TERMINATED is Compute Engine's word for a stopped VM (disks still billed). */
const gcePower = (s: string | null | undefined): ResourceFacts["power"] =>
  s === "RUNNING" ? "running" : s === "TERMINATED" || s === "STOPPED" || s === "SUSPENDED" ? "stopped" : s === "PROVISIONING" || s === "STAGING" ? "pending" : "other";

type GceInstance = { id?: string | number | null; name?: string | null; status?: string | null; selfLink?: string | null; machineType?: string | null; zone?: string | null; labels?: Record<string, string> | null; disks?: unknown[] | null; creationTimestamp?: string | null; networkInterfaces?: { accessConfigs?: { natIP?: string | null }[] | null }[] | null };
type GcsBucket = { id?: string; name?: string; location?: string; storageClass?: string; timeCreated?: string; labels?: Record<string, string>; selfLink?: string; iamConfiguration?: { publicAccessPrevention?: string; uniformBucketLevelAccess?: { enabled?: boolean } }; encryption?: { defaultKmsKeyName?: string } };

const last = (url: string | null | undefined) => (url ? url.split("/").pop()! : "");

export function mapGceInstance(project: string, i: GceInstance): CloudResourceInfo {
  const zone = last(i.zone);
  const publicIp = i.networkInterfaces?.flatMap((n) => n.accessConfigs ?? []).find((a) => a.natIP)?.natIP ?? null;
  return {
    provider: "gcp",
    account: project,
    region: zone,
    type: "gce.instance",
    resourceId: i.selfLink ?? `projects/${project}/zones/${zone}/instances/${i.name}`,
    name: i.name ?? String(i.id),
    state: i.status ?? "UNKNOWN",
    tags: i.labels ?? {},
    facts: { power: gcePower(i.status), publiclyAccessible: Boolean(publicIp) },
    details: { machineType: last(i.machineType), disks: i.disks?.length ?? 0, publicIp, created: i.creationTimestamp ?? null },
  };
}

export function mapGcsBucket(project: string, b: GcsBucket): CloudResourceInfo {
  const prevention = b.iamConfiguration?.publicAccessPrevention ?? "inherited";
  return {
    provider: "gcp",
    account: project,
    region: (b.location ?? "").toLowerCase(),
    type: "gcs.bucket",
    resourceId: b.selfLink ?? `https://www.googleapis.com/storage/v1/b/${b.name}`,
    name: b.name ?? b.id ?? "",
    state: "available",
    tags: b.labels ?? {},
    // Cloud Storage encrypts every object (Google-managed keys unless a KMS key is set).
    facts: { publicAccessBlocked: prevention === "enforced", encrypted: true },
    details: { storageClass: b.storageClass ?? null, publicAccessPrevention: prevention, uniformAccess: b.iamConfiguration?.uniformBucketLevelAccess?.enabled ?? null, kmsKey: b.encryption?.defaultKmsKeyName ?? null, created: b.timeCreated ?? null },
  };
}

/** Google Cloud, read-only: Compute Engine instances (all zones) and Cloud Storage buckets of each project. */
export class GcpProvider implements CloudProvider {
  readonly kind = "gcp" as const;
  readonly label = "Google Cloud";

  constructor(private readonly project: GcpProject, private readonly opts: GcpOptions = {}) {}

  async inventory(): Promise<Inventory> {
    const p = this.project.projectId;
    const base = { projectId: p, ...(this.project.keyFile ? { keyFilename: this.project.keyFile } : {}) };
    const resources: CloudResourceInfo[] = [];
    const scopes: Inventory["scopes"] = [];
    try {
      const compute = new InstancesClient({ ...base, ...this.opts.computeOptions });
      const found: CloudResourceInfo[] = [];
      for await (const [, scoped] of compute.aggregatedListAsync({ project: p, returnPartialSuccess: true })) {
        for (const i of (scoped.instances ?? []) as GceInstance[]) found.push(mapGceInstance(p, i));
      }
      await compute.close();
      resources.push(...found);
      scopes.push({ account: p, region: "compute", ok: true, message: "", count: found.length });
    } catch (err) {
      scopes.push({ account: p, region: "compute", ok: false, message: errorText(err), count: 0 });
    }
    try {
      const [buckets] = await new Storage({ ...base, ...this.opts.storageOptions }).getBuckets({ autoPaginate: true });
      const found = buckets.map((b) => mapGcsBucket(p, b.metadata as GcsBucket));
      resources.push(...found);
      scopes.push({ account: p, region: "storage", ok: true, message: "", count: found.length });
    } catch (err) {
      scopes.push({ account: p, region: "storage", ok: false, message: errorText(err), count: 0 });
    }
    return { resources, scopes };
  }
}
