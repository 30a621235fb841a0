import { EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// One configured AWS account for the actions (EC2 itself is aws-sdk-client-mock: no real AWS here).
process.env.OPSDECK_AWS_ACCOUNTS = JSON.stringify([{ name: "prod", regions: ["eu-west-1"] }]);

const { useTestDatabase: fileDatabase } = await import("./helpers/db");
const { auditSince, callerFor, lastSeq, makeTeam, makeUser, outcomeOf } = await import("./helpers/fixtures");
const { refreshInventory } = await import("@/server/cloud/refresh");
const { demoCloudProviders } = await import("@/server/cloud/demo");
const { systemActor } = await import("@/server/ci/runs");
type CloudProvider = import("@/server/providers/cloud").CloudProvider;

/**
 * The inventory cache: the refresh job writes RECORDED FIXTURE inventories (the demo providers) into CloudResource,
 * links resources to catalog entities, flags risks, removes what disappeared; pages read only the cache.
 */
const t = fileDatabase();
const actor = systemActor("worker", "test");
const ec2 = mockClient(EC2Client);
let teams: { payments: { id: string }; data: { id: string } };

beforeAll(async () => {
  teams = { payments: await makeTeam(t.db), data: await makeTeam(t.db) };
  const entity = (kind: string, name: string, ownerTeamId: string | null, annotations: Record<string, string> = {}) =>
    t.db.entity.create({ data: { kind, name, ref: `${kind.toLowerCase()}:default/${name}`, ownerTeamId, metadata: { annotations } } });
  await entity("Component", "payments-api", teams.payments.id);
  await entity("Component", "events-warehouse", teams.data.id);
  await entity("Resource", "payments-db", teams.payments.id);
  // A Resource entity that names a bucket by its ARN.
  await entity("Resource", "invoice-archive", teams.payments.id, { "opsdeck.dev/cloud-resource-id": "arn:aws:s3:::example-payments-invoices" });
  await t.db.entityRelation.create({ data: { originId: (await t.db.entity.findUniqueOrThrow({ where: { ref: "component:default/payments-api" } })).id, fromRef: "component:default/payments-api", type: "dependsOn", toRef: "resource:default/payments-db" } });
});
afterAll(() => ec2.restore());

describe("inventory refresh into Postgres (recorded fixtures)", () => {
  it("caches every provider's resources with risk flags and catalog links, audited once", async () => {
    const seq = await lastSeq(t.db);
    const s = await refreshInventory(t.db, demoCloudProviders(), { actor, demo: true });
    expect(s).toMatchObject({ resources: 24, added: 24, removed: 0, failedScopes: 0, scopes: 6 });
    const rows = await t.db.cloudResource.findMany();
    const get = (name: string) => rows.find((r) => r.name === name)!;
    expect(get("payments-api-1")).toMatchObject({ entityRef: "component:default/payments-api", service: "payments-api", risks: [] });
    expect(get("payments-db-primary").entityRef).toBe("resource:default/payments-db");
    // The Resource entity's annotation wins over the bucket's service tag.
    expect(get("example-payments-invoices").entityRef).toBe("resource:default/invoice-archive");
    expect(get("legacy-batch")).toMatchObject({ entityRef: "component:default/events-warehouse", risks: ["stopped-costing"] });
    expect(get("example-data-exports").risks).toEqual(["public-bucket", "unencrypted"]);
    expect(get("example-web-assets").risks).toEqual(["public-bucket"]);
    expect(get("bastion")).toMatchObject({ entityRef: null, service: null });
    expect((await auditSince(t.db, seq)).map((a) => [a.action, a.actorLabel])).toEqual([["cloud.inventory.refresh", "worker"]]);
  });

  it("removes what a successful scope no longer lists, and keeps what a failing scope could not confirm", async () => {
    const [aws] = demoCloudProviders();
    const full = await aws!.inventory();
    const shrunk: CloudProvider = { kind: "aws", label: "AWS", inventory: async () => ({ resources: full.resources.filter((r) => r.name !== "thumbnailer" && r.type !== "s3.bucket"), scopes: [full.scopes[0]!, { ...full.scopes[1]!, ok: false, message: "AccessDenied: s3:ListAllMyBuckets", count: 0 }] }) };
    const s = await refreshInventory(t.db, [shrunk], { actor, demo: true });
    expect(s).toMatchObject({ removed: 1, failedScopes: 1 });
    expect(await t.db.cloudResource.count({ where: { name: "thumbnailer" } })).toBe(0);
    expect(await t.db.cloudResource.count({ where: { type: "s3.bucket" } })).toBe(3);
    expect(await t.db.cloudSource.findUniqueOrThrow({ where: { provider_account_region: { provider: "aws", account: "demo-prod", region: "global" } } })).toMatchObject({ ok: false, message: "AccessDenied: s3:ListAllMyBuckets" });
  });
});

describe("cloud procedures", () => {
  it("lists with filters and keyset pages, summarises risks, and shows a service's resources (also via its Resource dependencies)", async () => {
    const viewer = (await makeUser(t.db)).principal;
    const c = callerFor(t.db, viewer);
    const risky = await c.cloud.resources({ risk: "any", limit: 100 });
    expect(risky.items.every((r) => r.risks.length > 0)).toBe(true);
    expect(risky.items.map((r) => r.name)).toContain("analytics-scratch");
    expect((await c.cloud.resources({ provider: "gcp", type: "gcs.bucket" })).items.map((r) => r.name)).toEqual(["shop-public-catalog-feed", "shop-search-snapshots"]);
    expect((await c.cloud.resources({ q: "PAYMENTS-api" })).items.map((r) => r.name)).toEqual(expect.arrayContaining(["payments-api-1", "payments-api-2", "payments-api-asg"]));
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { name: string }[]; nextCursor: string | null } = await c.cloud.resources({ limit: 4, cursor });
      names.push(...page.items.map((i) => i.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toHaveLength(await t.db.cloudResource.count());
    expect([...names].sort()).toEqual(names.slice().sort());

    const sum = await c.cloud.summary();
    expect(sum.risks.find((r) => r.risk === "stopped-costing")!.count).toBeGreaterThanOrEqual(3);
    expect(sum.sources.length).toBe(6);
    const mine = await c.cloud.forEntity({ entityRef: "payments-api" });
    expect(mine.items.map((r) => r.name).sort()).toEqual(["payments-api-1", "payments-api-2", "payments-api-asg", "payments-db-primary"]);
    expect(mine.via).toEqual(["resource:default/payments-db"]);
  });

  it("EC2 actions need on-call in the owning team, are audited with the state AWS reported, and refuse demo rows", async () => {
    const id = "i-0fff0000000000001";
    const row = await t.db.cloudResource.create({ data: { provider: "aws", account: "prod", region: "eu-west-1", type: "ec2.instance", resourceId: `arn:aws:ec2:eu-west-1:210987654321:instance/${id}`, name: "real-batch", state: "running", entityRef: "component:default/events-warehouse", risks: [] } });
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: id, CurrentState: { Code: 64, Name: "stopping" } }] });
    const oncallData = (await makeUser(t.db, { teams: [[teams.data.id, "oncall"]] })).principal;
    const oncallPayments = (await makeUser(t.db, { teams: [[teams.payments.id, "oncall"]] })).principal;
    const engineerData = (await makeUser(t.db, { teams: [[teams.data.id, "engineer"]] })).principal;
    expect(await outcomeOf(callerFor(t.db, oncallPayments).cloud.instanceAction({ id: row.id, action: "stop" }))).toBe("FORBIDDEN");
    expect(await outcomeOf(callerFor(t.db, engineerData).cloud.instanceAction({ id: row.id, action: "stop" }))).toBe("FORBIDDEN");
    const seq = await lastSeq(t.db);
    expect(await callerFor(t.db, oncallData).cloud.instanceAction({ id: row.id, action: "stop" })).toEqual({ state: "stopping" });
    const [a] = await auditSince(t.db, seq);
    expect(a).toMatchObject({ action: "cloud.instance.action", actorId: oncallData.id, targetId: row.resourceId, before: { state: "running" }, after: { action: "stop", state: "stopping" } });
    expect((await t.db.cloudResource.findUniqueOrThrow({ where: { id: row.id } })).state).toBe("stopping");

    const demoRow = await t.db.cloudResource.findFirstOrThrow({ where: { name: "legacy-batch" } });
    const err = await callerFor(t.db, oncallData).cloud.instanceAction({ id: demoRow.id, action: "start" }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: "PRECONDITION_FAILED" });
    expect((err as Error).message).toMatch(/recorded demo data/);
    expect(await outcomeOf(callerFor(t.db, oncallData).cloud.invokeLambda({ id: row.id, payload: "{not json" }))).toBe("BAD_REQUEST");
  });

  it("a refresh on demand is queued (audited) for the worker", async () => {
    const engineer = (await makeUser(t.db, { teams: [[teams.data.id, "engineer"]] })).principal;
    expect(await callerFor(t.db, engineer).cloud.refresh()).toEqual({ queued: true });
    const jobs = await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*)::bigint AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id WHERE k.identifier = 'cloud_inventory_refresh'`;
    expect(Number(jobs[0]!.n)).toBe(1);
  });
});
