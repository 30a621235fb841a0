/**
 * The one cloud interface (DESIGN "Providers"): AWS, Google Cloud and Azure each list their resources in the same
 * shape; AWS also offers a few safe actions. Providers report facts (state, public-access settings, encryption);
 * the domain (server/cloud/risks.ts) judges them.
 */

export const CLOUD_PROVIDERS = ["aws", "gcp", "azure"] as const;
export type CloudProviderKind = (typeof CLOUD_PROVIDERS)[number];

export const RESOURCE_TYPES = ["ec2.instance", "autoscaling.group", "s3.bucket", "lambda.function", "rds.instance", "gce.instance", "gcs.bucket", "azure.vm", "azure.container"] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Normalised facts the risk rules read (absent = unknown). */
export type ResourceFacts = {
  /** Normalised run state: running | stopped | terminated | pending | … (vendor word kept in `state`). */
  power?: "running" | "stopped" | "deallocated" | "terminated" | "pending" | "other";
  /** Storage reachable by anyone (bucket ACL/policy, container public access). */
  publicAccess?: boolean;
  /** Public-access blocking switched fully on (S3 public access block, GCS public access prevention). */
  publicAccessBlocked?: boolean;
  encrypted?: boolean;
  publiclyAccessible?: boolean;
};

export type CloudResourceInfo = {
  provider: CloudProviderKind;
  account: string;
  region: string;
  type: ResourceType;
  /** ARN, self link or Azure resource id. */
  resourceId: string;
  name: string;
  /** The vendor's own state word. */
  state: string;
  tags: Record<string, string>;
  facts: ResourceFacts;
  /** Vendor details worth showing (instance type, runtime, engine, sizes…). */
  details: Record<string, string | number | boolean | null>;
};

/** One account/project/subscription × region listed: what worked and what did not. */
export type ScopeResult = { account: string; region: string; ok: boolean; message: string; count: number };
export type Inventory = { resources: CloudResourceInfo[]; scopes: ScopeResult[] };

export type InstanceAction = "start" | "stop" | "reboot";
export type InvokeResult = { statusCode: number; functionError: string | null; payload: string; logTail: string | null };

export interface CloudProvider {
  readonly kind: CloudProviderKind;
  readonly label: string;
  /** Lists everything it can see; a failing region/scope is reported in `scopes`, the others still answer. */
  inventory(): Promise<Inventory>;
  instanceAction?(r: { region: string; resourceId: string; name: string }, action: InstanceAction): Promise<{ state: string }>;
  invokeFunction?(r: { region: string; resourceId: string; name: string }, payload: unknown): Promise<InvokeResult>;
}

export class CloudActionError extends Error {}

/** Tag keys that link a resource to a catalog entity. GCP labels and Azure tag names cannot hold "/" or ".". */
export const SERVICE_TAG_KEYS = ["opsdeck.dev/service", "opsdeck-service", "opsdeck_service"] as const;
export function serviceTag(tags: Record<string, string>): string | null {
  for (const k of SERVICE_TAG_KEYS) if (tags[k]) return tags[k];
  return null;
}

export const errorText = (err: unknown) => {
  const e = err as { name?: string; message?: string; Code?: string };
  const name = e.Code ?? e.name;
  return name && name !== "Error" && !e.message?.startsWith(name) ? `${name}: ${e.message ?? ""}` : (e.message ?? String(err));
};
