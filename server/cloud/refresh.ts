import type { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { appendAudit, type AuditActor } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { log } from "@/server/log";
import { errorText, serviceTag, type CloudProvider, type CloudResourceInfo, type ResourceType, type ScopeResult } from "@/server/providers/cloud";
import { risksOf } from "./risks";

export const CLOUD_REFRESH_TASK = "cloud_inventory_refresh";
export const CLOUD_TOPIC = "cloud.inventory";
/** A Resource entity naming a cloud resource (its ARN, self link, Azure id or name) links it to the catalog. */
export const CLOUD_RESOURCE_ANNOTATION = "opsdeck.dev/cloud-resource-id";

type Linker = (r: CloudResourceInfo) => string | null;

/**
 * How resources find their catalog entity: a Resource entity's annotation naming the resource wins; otherwise the
 * service tag names an entity (a Component first, else a Resource of that name, e.g. `payments-db`).
 */
export async function entityLinker(db: Db | Tx): Promise<Linker> {
  const rows = await db.$queryRaw<{ ref: string; kind: string; name: string; cloudId: string | null }[]>`
    SELECT ref, kind, name, metadata->'annotations'->>${CLOUD_RESOURCE_ANNOTATION} AS "cloudId"
    FROM "Entity" WHERE kind IN ('Component', 'Resource')`;
  const byCloudId = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const r of rows) {
    if (r.cloudId) byCloudId.set(r.cloudId.toLowerCase(), r.ref);
    const key = r.name.toLowerCase();
    if (!byName.has(key) || r.kind === "Component") byName.set(key, r.ref);
  }
  return (res) => byCloudId.get(res.resourceId.toLowerCase()) ?? byCloudId.get(res.name.toLowerCase()) ?? byName.get((serviceTag(res.tags) ?? "").toLowerCase()) ?? null;
}

/** Which stored rows a successful scope answers for (rows of it not seen again are gone). */
export function scopeFilter(provider: string, s: ScopeResult): Prisma.CloudResourceWhereInput {
  const types = (t: ResourceType[]) => ({ type: { in: t } });
  if (provider === "aws") return s.region === "global" ? { account: s.account, ...types(["s3.bucket"]) } : { account: s.account, region: s.region, ...types(["ec2.instance", "autoscaling.group", "lambda.function", "rds.instance"]) };
  if (provider === "gcp") return { account: s.account, ...types([s.region === "compute" ? "gce.instance" : "gcs.bucket"]) };
  return s.region === "virtualMachines" ? { account: s.account, ...types(["azure.vm"]) } : { account: s.account, region: s.region.replace(/^storage:/, ""), ...types(["azure.container"]) };
}

export type RefreshSummary = { resources: number; added: number; removed: number; failedScopes: number; scopes: number; durationMs: number };

/**
 * The scheduled inventory refresh: asks every provider (one at a time; a failing account does not stop the others),
 * then writes the cache in one transaction with its audit event. Pages only ever read this cache.
 */
export async function refreshInventory(db: Db, providers: CloudProvider[], opts: { actor: AuditActor; demo?: boolean; now?: Date }): Promise<RefreshSummary> {
  const started = performance.now();
  const now = opts.now ?? new Date();
  const answers: { provider: CloudProvider; resources: CloudResourceInfo[]; scopes: ScopeResult[] }[] = [];
  for (const p of providers) {
    try {
      answers.push({ provider: p, ...(await p.inventory()) });
    } catch (err) {
      answers.push({ provider: p, resources: [], scopes: [{ account: "*", region: "*", ok: false, message: errorText(err), count: 0 }] });
    }
  }
  const summary = await db.$transaction(
    async (tx) => {
      const link = await entityLinker(tx);
      const s: RefreshSummary = { resources: 0, added: 0, removed: 0, failedScopes: 0, scopes: 0, durationMs: 0 };
      for (const a of answers) {
        // Which of this answer's resources are already cached: one query, not one per resource.
        const known = new Set(
          (await tx.cloudResource.findMany({ where: { provider: a.provider.kind, resourceId: { in: a.resources.map((r) => r.resourceId) } }, select: { resourceId: true } })).map((r) => r.resourceId),
        );
        for (const r of a.resources) {
          const data = {
            account: r.account,
            region: r.region,
            type: r.type,
            name: r.name,
            state: r.state,
            service: serviceTag(r.tags),
            entityRef: link(r),
            tags: r.tags,
            details: r.details,
            risks: risksOf(r),
            demo: opts.demo ?? false,
            refreshedAt: now,
          };
          await tx.cloudResource.upsert({ where: { provider_resourceId: { provider: r.provider, resourceId: r.resourceId } }, create: { provider: r.provider, resourceId: r.resourceId, ...data }, update: data });
          if (!known.has(r.resourceId)) s.added++;
          known.add(r.resourceId);
          s.resources++;
        }
        for (const sc of a.scopes) {
          s.scopes++;
          if (!sc.ok) s.failedScopes++;
          else s.removed += (await tx.cloudResource.deleteMany({ where: { provider: a.provider.kind, ...scopeFilter(a.provider.kind, sc), refreshedAt: { lt: now } } })).count;
          const row = { ok: sc.ok, message: sc.message, resources: sc.count, demo: opts.demo ?? false, refreshedAt: now, durationMs: Math.round(performance.now() - started) };
          await tx.cloudSource.upsert({ where: { provider_account_region: { provider: a.provider.kind, account: sc.account, region: sc.region } }, create: { provider: a.provider.kind, account: sc.account, region: sc.region, ...row }, update: row });
        }
      }
      s.durationMs = Math.round(performance.now() - started);
      await appendAudit(tx, opts.actor, { action: "cloud.inventory.refresh", targetType: "cloud", targetId: "inventory", after: { ...s, demo: opts.demo ?? false } });
      return s;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  for (const a of answers) for (const sc of a.scopes) if (!sc.ok) log.warn({ provider: a.provider.kind, account: sc.account, region: sc.region, err: sc.message }, "cloud inventory scope failed");
  await publish(db, CLOUD_TOPIC, { resources: summary.resources });
  return summary;
}
