import { beforeAll, describe, expect, it } from "vitest";
import type { Team } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { PERMISSIONS, can, type Permission, type Scope } from "@/server/auth/permissions";
import type { Principal } from "@/server/auth/roles";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, makeTeam, makeUser, outcomeOf, uniq } from "./helpers/fixtures";
import { invoke, listProcedures, type ProcedureInfo } from "./helpers/procedures";
import { saveVersion } from "@/server/runbooks/store";

/**
 * Every procedure × every kind of person, called through createCaller (the real middleware chain), checked against
 * can() from the permission table. A procedure without a sample input below fails the suite: add one with it.
 */

type Fx = { db: Db; teamA: Team; teamB: Team };
type Sample = {
  label: string;
  /** A valid input (created fresh per call: mutations consume theirs). */
  input: (fx: Fx) => unknown;
  /** The teams owning the target, for team-scoped permissions. */
  scope?: (fx: Fx) => Scope;
  /** When allowed, the call may end with this (non-authorisation) error instead of succeeding. */
  allowedError?: string;
};

const none = () => undefined;
const freshMember = async (fx: Fx, team: Team) => {
  const { user } = await makeUser(fx.db, { teams: [[team.id, "engineer"]] });
  return { teamId: team.id, userId: user.id };
};

const SAMPLES: Record<string, Sample[]> = {
  "system.info": [{ label: "", input: none }],
  // The test database is configured by DATABASE_URL, so this is not demo mode: the picker reports NOT_FOUND.
  "system.demoUsers": [{ label: "(not demo mode)", input: none, allowedError: "NOT_FOUND" }],
  "me.current": [{ label: "", input: none }],
  "me.whoami": [{ label: "", input: none }],
  "admin.users": [{ label: "", input: none }],
  "admin.teams": [{ label: "", input: none }],
  "admin.team": [{ label: "team A", input: (fx) => ({ slug: fx.teamA.slug }) }],
  "admin.setMembership": [
    { label: "team A", input: async (fx) => ({ ...(await freshMember(fx, fx.teamB)), teamId: fx.teamA.id, role: "viewer" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) },
    { label: "team B", input: async (fx) => ({ ...(await freshMember(fx, fx.teamA)), teamId: fx.teamB.id, role: "oncall" }), scope: (fx) => ({ teamIds: [fx.teamB.id] }) },
  ],
  "admin.removeMembership": [
    { label: "team A", input: (fx) => freshMember(fx, fx.teamA), scope: (fx) => ({ teamIds: [fx.teamA.id] }) },
    { label: "team B", input: (fx) => freshMember(fx, fx.teamB), scope: (fx) => ({ teamIds: [fx.teamB.id] }) },
  ],
  "admin.createTeam": [{ label: "", input: () => ({ slug: uniq("matrix"), name: "Matrix team" }) }],
  "audit.list": [{ label: "", input: () => ({ filter: { outcome: "denied" }, limit: 5 }) }],
  "audit.actions": [{ label: "", input: none }],
  "audit.verifyRuns": [{ label: "", input: none }],
  "audit.startVerify": [
    {
      label: "",
      input: async (fx) => {
        // Only one verification may be active; no worker runs in this file, so settle earlier requests first.
        await fx.db.auditVerifyRun.updateMany({ where: { state: { in: ["queued", "running"] } }, data: { state: "failed" } });
        return undefined;
      },
    },
  ],
  "audit.watchVerify": [{ label: "", input: async (fx) => ({ id: (await fx.db.auditVerifyRun.create({ data: { state: "ok" } })).id }) }],
  "catalog.list": [{ label: "", input: () => ({ q: "pay", filters: { kind: ["Component"] }, limit: 5 }) }],
  "catalog.facets": [{ label: "", input: () => ({ filters: { kind: ["Component"] } }) }],
  "catalog.suggest": [{ label: "", input: () => ({ q: "pay" }) }],
  "catalog.entity": [{ label: "", input: async (fx) => ({ ref: await matrixEntity(fx) }) }],
  "catalog.graph": [{ label: "", input: async (fx) => ({ ref: await matrixEntity(fx) }) }],
  "catalog.team": [{ label: "team A", input: (fx) => ({ slug: fx.teamA.slug }) }],
  "catalog.myServices": [{ label: "", input: () => ({}) }],
  "catalog.locations": [{ label: "", input: () => ({}) }],
  "catalog.locationErrors": [{ label: "", input: async (fx) => ({ locationId: (await matrixUpload(fx)).id }) }],
  "catalog.upload": [{ label: "", input: () => ({ fileName: `${uniq("matrix")}.yaml`, content: matrixDescriptor(uniq("uploaded")) }) }],
  "catalog.refreshLocation": [{ label: "", input: async (fx) => ({ locationId: (await matrixUpload(fx)).id }) }],
  "catalog.refreshAll": [{ label: "", input: none }],
  "catalog.deleteLocation": [{ label: "", input: async (fx) => ({ locationId: (await matrixUpload(fx)).id }) }],
  "catalog.scorecardRules": [{ label: "", input: none }],
  "catalog.updateScorecardRules": [
    { label: "", input: () => ({ yaml: "rules:\n  - id: has-owner\n    title: Has an owner\n    level: bronze\n    weight: 1\n    check: { field: spec.owner }\n" }) },
  ],
  "catalog.scorecardOverview": [{ label: "", input: () => ({ sort: "average", dir: "desc" }) }],
  "catalog.scorecardExport": [{ label: "", input: () => ({}) }],
  // No OPSDECK_PROMETHEUS_URL and not demo mode in tests: answers { configured: false } after the entity lookup.
  "metrics.health": [{ label: "", input: async (fx) => ({ ref: await matrixEntity(fx), range: { preset: "1h" } }) }],
  // No data source in tests: every status is "unknown", the catalog part still answers.
  "metrics.overview": [{ label: "", input: () => ({ team: "matrix" }) }],
  // No data source in tests: the SLOs parse, nothing is queried.
  "metrics.slo": [{ label: "", input: async (fx) => ({ ref: await matrixEntity(fx) }) }],
  "metrics.dora": [{ label: "", input: () => ({ team: "matrix", weeks: 4 }) }],
  "dashboards.list": [{ label: "", input: () => ({ limit: 5 }) }],
  "dashboards.get": [{ label: "", input: async (fx) => ({ id: (await matrixDashboard(fx, fx.teamA)).id }) }],
  "dashboards.panelData": [{ label: "", input: () => ({ panel: { id: "matrix1", title: "Up", kind: "promql", query: "up" }, range: { preset: "1h" } }) }],
  "dashboards.validateQuery": [{ label: "", input: () => ({ query: "sum(up)" }) }],
  "dashboards.create": [
    { label: "team A", input: (fx) => ({ title: "Matrix", ownerTeamId: fx.teamA.id, panels: [] }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) },
    { label: "team B", input: (fx) => ({ title: "Matrix", ownerTeamId: fx.teamB.id, panels: [] }), scope: (fx) => ({ teamIds: [fx.teamB.id] }) },
  ],
  "dashboards.update": [
    { label: "team A", input: async (fx) => ({ id: (await matrixDashboard(fx, fx.teamA)).id, version: 1, title: "Renamed", panels: [] }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) },
    { label: "team B", input: async (fx) => ({ id: (await matrixDashboard(fx, fx.teamB)).id, version: 1, title: "Renamed", panels: [] }), scope: (fx) => ({ teamIds: [fx.teamB.id] }) },
  ],
  "dashboards.delete": [
    { label: "team A", input: async (fx) => ({ id: (await matrixDashboard(fx, fx.teamA)).id }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) },
    { label: "team B", input: async (fx) => ({ id: (await matrixDashboard(fx, fx.teamB)).id }), scope: (fx) => ({ teamIds: [fx.teamB.id] }) },
  ],
  // CI and cloud (docs/ci-cloud.md). The matrix service has no CI binding and the resources are demo rows: allowed
  // callers get past the permission check and are then refused for that (BAD_REQUEST / PRECONDITION_FAILED).
  "ci.runs": [{ label: "", input: async (fx) => ({ entityRef: await matrixEntity(fx) }) }],
  "ci.run": [{ label: "", input: async (fx) => ({ id: await matrixCiRun(fx, "succeeded") }) }],
  "ci.pipelines": [{ label: "", input: async (fx) => ({ entityRef: await matrixEntity(fx) }) }],
  "ci.recentBuilds": [{ label: "", input: async (fx) => ({ entityRef: await matrixEntity(fx) }) }],
  "ci.watchRun": [{ label: "finished run", input: async (fx) => ({ id: await matrixCiRun(fx, "succeeded") }) }],
  "ci.watchEntity": [{ label: "first state", input: async (fx) => ({ entityRef: await matrixEntity(fx), limit: 1 }) }],
  "ci.trigger": [{ label: "team A service", input: async (fx) => ({ entityRef: await matrixService(fx), provider: "builtin", pipeline: "build" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" }],
  "ci.rerun": [{ label: "team A run", input: async (fx) => ({ id: await matrixCiRun(fx, "failed") }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" }],
  "ci.cancel": [{ label: "team A run", input: async (fx) => ({ id: await matrixCiRun(fx, "queued") }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "cloud.resources": [{ label: "", input: () => ({ risk: "any", limit: 5 }) }],
  "cloud.summary": [{ label: "", input: none }],
  "cloud.forEntity": [{ label: "", input: async (fx) => ({ entityRef: await matrixService(fx) }) }],
  "cloud.refresh": [{ label: "", input: none }],
  "cloud.instanceAction": [{ label: "team A instance", input: async (fx) => ({ id: await matrixCloudResource(fx, "ec2.instance"), action: "stop" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "PRECONDITION_FAILED" }],
  "cloud.invokeLambda": [{ label: "team A function", input: async (fx) => ({ id: await matrixCloudResource(fx, "lambda.function"), payload: '{"dryRun":true}' }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "PRECONDITION_FAILED" }],
  // Deploys: no environments are configured in tests (no OPSDECK_ENVIRONMENTS, not demo mode), so whatever needs one
  // ends in BAD_REQUEST "unknown environment" after the permission check; the rest works on rows written directly.
  "deploys.environments": [{ label: "", input: none }],
  "deploys.options": [{ label: "", input: async (fx) => ({ entityRef: await matrixService(fx), environment: "prod" }), allowedError: "BAD_REQUEST" }],
  "deploys.list": [{ label: "", input: () => ({ status: "active", limit: 5 }) }],
  "deploys.pendingApprovals": [{ label: "", input: none }],
  "deploys.watchBoard": [{ label: "(one snapshot)", input: () => ({ seconds: 0 }) }],
  "deploys.get": [{ label: "", input: async (fx) => ({ id: (await matrixDeploy(fx, "cancelled")).id }) }],
  "deploys.watch": [{ label: "(ended deploy)", input: async (fx) => ({ id: (await matrixDeploy(fx, "cancelled")).id }) }],
  "deploys.watchWorkload": [{ label: "", input: async (fx) => ({ entityRef: await matrixService(fx), environment: "prod" }), allowedError: "BAD_REQUEST" }],
  "deploys.request": [
    {
      label: "team A service",
      input: async (fx) => ({ entityRef: await matrixService(fx), environment: "prod", version: "1.2.3", reason: "matrix" }),
      scope: (fx) => ({ teamIds: [fx.teamA.id] }),
      allowedError: "BAD_REQUEST",
    },
  ],
  "deploys.approve": [{ label: "team A deploy", input: async (fx) => ({ id: (await matrixDeploy(fx, "awaiting_approval")).id }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" }],
  "deploys.reject": [{ label: "team A deploy", input: async (fx) => ({ id: (await matrixDeploy(fx, "awaiting_approval")).id, reason: "not now" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "deploys.cancel": [{ label: "team A deploy", input: async (fx) => ({ id: (await matrixDeploy(fx, "awaiting_approval")).id }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "deploys.rollback": [
    { label: "team A deploy", input: async (fx) => ({ id: (await matrixDeploy(fx, "succeeded")).id, reason: "matrix" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" },
  ],
  "deploys.restart": [{ label: "team A service", input: async (fx) => ({ entityRef: await matrixService(fx), environment: "prod" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" }],
  "deploys.scale": [
    { label: "team A service", input: async (fx) => ({ entityRef: await matrixService(fx), environment: "prod", replicas: 2 }), scope: (fx) => ({ teamIds: [fx.teamA.id] }), allowedError: "BAD_REQUEST" },
  ],
  // Runbooks (docs/runbooks.md): team A's runbooks use the default rules (team A engineers run; approvals by engineers)
  // so the runbook's own rules agree with the table for every principal here.
  "runbooks.list": [{ label: "", input: () => ({ q: "matrix", limit: 5 }) }],
  "runbooks.get": [{ label: "", input: async (fx) => ({ name: await matrixRunbook(fx) }) }],
  "runbooks.versions": [{ label: "", input: async (fx) => ({ name: await matrixRunbook(fx) }) }],
  "runbooks.version": [{ label: "", input: async (fx) => ({ name: await matrixRunbook(fx), version: 1 }) }],
  "runbooks.diff": [{ label: "", input: async (fx) => ({ name: await matrixRunbook(fx), from: 1, to: 1 }) }],
  "runbooks.validate": [{ label: "", input: (fx) => ({ yaml: matrixRunbookYaml(uniq("valid"), fx.teamA.slug) }) }],
  "runbooks.forEntity": [{ label: "", input: () => ({ ref: "component:default/matrix-service" }) }],
  "runbooks.create": [{ label: "team A", input: (fx) => ({ yaml: matrixRunbookYaml(uniq("created"), fx.teamA.slug) }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "runbooks.update": [
    {
      label: "team A",
      input: async (fx) => {
        const name = await matrixRunbook(fx, uniq("upd"));
        return { name, yaml: matrixRunbookYaml(name, fx.teamA.slug).replace("echo matrix", "echo changed"), baseVersion: 1 };
      },
      scope: (fx) => ({ teamIds: [fx.teamA.id] }),
    },
  ],
  "runbooks.archive": [{ label: "team A", input: async (fx) => ({ name: await matrixRunbook(fx, uniq("arch")) }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "runbooks.reload": [{ label: "", input: none }],
  "runbooks.start": [{ label: "team A", input: async (fx) => ({ name: await matrixRunbook(fx), params: {} }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "runbooks.cancel": [{ label: "team A run", input: async (fx) => ({ id: await matrixRun(fx, "queued") }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "runbooks.decide": [{ label: "team A run", input: async (fx) => ({ id: await matrixRun(fx, "awaiting_approval"), decision: "approved" }), scope: (fx) => ({ teamIds: [fx.teamA.id] }) }],
  "runbooks.runs": [{ label: "", input: () => ({ state: ["failed"], limit: 5 }) }],
  "runbooks.run": [{ label: "", input: async (fx) => ({ id: await matrixRun(fx, "missed") }) }],
  "runbooks.log": [{ label: "", input: async (fx) => ({ id: await matrixRun(fx, "missed") }) }],
  "runbooks.watch": [{ label: "", input: async (fx) => ({ id: await matrixRun(fx, "missed") }) }],
};

function matrixRunbookYaml(name: string, owner: string) {
  return `apiVersion: opsdeck.dev/v1\nkind: Runbook\nmetadata:\n  name: ${name}\n  owner: ${owner}\nspec:\n  concurrency: 0\n  permissions:\n    approval: { role: engineer }\n  steps:\n    - type: shell\n      run: echo matrix\n`;
}

/** A UI runbook of team A (created once per name, directly through the store as the API would). */
async function matrixRunbook(fx: Fx, name = "matrix-runbook"): Promise<string> {
  if (await fx.db.runbook.findUnique({ where: { name }, select: { id: true } })) return name;
  await fx.db.$transaction((tx) => saveVersion(tx, { yaml: matrixRunbookYaml(name, fx.teamA.slug), source: "ui", createdBy: "matrix" }));
  return name;
}

/** A run of team A's runbook in `state`, started by a fresh user (nobody in the matrix is its requester). */
async function matrixRun(fx: Fx, state: "queued" | "awaiting_approval" | "missed"): Promise<string> {
  const rb = await fx.db.runbook.findUniqueOrThrow({ where: { name: await matrixRunbook(fx) } });
  const requester = (await makeUser(fx.db)).user;
  const run = await fx.db.runbookRun.create({
    data: {
      runbookId: rb.id, version: 1, state, requestedById: requester.id, requestedBy: requester.email, ownerTeamId: fx.teamA.id, timeoutMs: 60_000,
      ...(state === "awaiting_approval" ? { approvalsNeeded: 1, approval: { gate: -1, approvers: 1, role: "engineer", teams: [fx.teamA.slug] } } : {}),
    },
  });
  return run.id;
}

/** A Component owned by team A (deploys' team-scoped permissions). */
async function matrixService(fx: Fx): Promise<string> {
  const name = "matrix-service";
  await fx.db.entity.upsert({ where: { ref: `component:default/${name}` }, create: { kind: "Component", name, ref: `component:default/${name}`, ownerTeamId: fx.teamA.id }, update: {} });
  return `component:default/${name}`;
}

/** A deploy of team A's service in `state`, requested by a fresh user (so nobody in the matrix is its requester). */
async function matrixDeploy(fx: Fx, state: "cancelled" | "awaiting_approval" | "succeeded") {
  const requester = (await makeUser(fx.db)).user;
  return fx.db.deploy.create({
    data: {
      entityRef: await matrixService(fx),
      ownerTeamId: fx.teamA.id,
      // One active deploy per service+environment: a fresh environment name per pending deploy.
      environment: state === "awaiting_approval" ? uniq("env") : "prod",
      cluster: "matrix",
      namespace: "matrix",
      workload: "matrix-service",
      container: "app",
      state,
      toVersion: "1.2.3",
      image: "registry.example/matrix-service:1.2.3",
      fromImage: "registry.example/matrix-service:1.2.2",
      reason: "matrix",
      requestedById: requester.id,
      approvalExpiresAt: state === "awaiting_approval" ? new Date(Date.now() + 3_600_000) : null,
    },
  });
}

function matrixDescriptor(name: string) {
  return `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n  owner: matrix\n`;
}

/** A catalog entity for read procedures (written directly, as the seed does). */
/** A built-in CI run of the team-A service (its working copy does not exist: re-runs are refused after authorisation). */
async function matrixCiRun(fx: Fx, status: "queued" | "succeeded" | "failed"): Promise<string> {
  const ref = await matrixService(fx);
  const id = uniq("ci-run");
  await fx.db.ciRun.create({ data: { id, externalId: id, provider: "builtin", target: "/nonexistent/matrix", entityRef: ref, ownerTeamId: fx.teamA.id, pipeline: "build", status, finishedAt: status === "queued" ? null : new Date() } });
  return id;
}

/** A recorded-demo cloud resource linked to the team-A service (actions on demo rows are refused after authorisation). */
async function matrixCloudResource(fx: Fx, type: "ec2.instance" | "lambda.function"): Promise<string> {
  const ref = await matrixService(fx);
  const r = await fx.db.cloudResource.create({ data: { provider: "aws", account: "matrix", region: "eu-west-1", type, resourceId: uniq("arn:aws:matrix"), name: uniq("res"), entityRef: ref, demo: true, risks: [] } });
  return r.id;
}

async function matrixEntity(fx: Fx): Promise<string> {
  const name = "matrix-entity";
  await fx.db.entity.upsert({ where: { ref: `component:default/${name}` }, create: { kind: "Component", name, ref: `component:default/${name}` }, update: {} });
  return `component:${name}`;
}

/** A fresh saved dashboard of a team (written directly), for the dashboard procedures. */
async function matrixDashboard(fx: Fx, team: Team) {
  return fx.db.customDashboard.create({ data: { title: "Matrix board", ownerTeamId: team.id, panels: [] } });
}

/** A fresh upload location (not yet ingested), for the location mutations. */
async function matrixUpload(fx: Fx) {
  return fx.db.location.create({ data: { kind: "upload", target: `${uniq("matrix")}.yaml`, origin: "ui", content: matrixDescriptor(uniq("loc")) } });
}

const ROLE_NAMES = ["anonymous", "no teams", "viewer", "engineer", "oncall", "team admin", "global admin"] as const;
type RoleName = (typeof ROLE_NAMES)[number];

function expectedOutcome(p: ProcedureInfo, principal: Principal | null, scope: Scope | undefined): "OK" | "UNAUTHORIZED" | "FORBIDDEN" {
  const perm = p.meta.permission;
  if (perm === "public") return "OK";
  if (!principal) return "UNAUTHORIZED";
  if (perm === "authenticated") return "OK";
  if (!perm) throw new Error(`${p.path} declares no permission`);
  if (PERMISSIONS[perm].scope === "team" && !scope) throw new Error(`${p.path} is team-scoped: its samples need a scope`);
  return can(principal, perm as Permission, scope) ? "OK" : "FORBIDDEN";
}

/** Runs the call; a subscription is consumed to its end (watchVerify ends once the run is terminal). */
async function call(caller: unknown, p: ProcedureInfo, input: unknown): Promise<unknown> {
  const out = await invoke(caller, p.path, input);
  if (p.type === "subscription") {
    const items: unknown[] = [];
    for await (const item of out as AsyncIterable<unknown>) items.push(item);
    return items;
  }
  return out;
}

const procedures = listProcedures();

describe("authorization matrix", () => {
  const t = useTestDatabase();
  const fx = {} as Fx;
  const principals = {} as Record<RoleName, Principal | null>;

  beforeAll(async () => {
    Object.assign(fx, { db: t.db, teamA: await makeTeam(t.db, uniq("alpha")), teamB: await makeTeam(t.db, uniq("bravo")) });
    const inA = (role: "viewer" | "engineer" | "oncall" | "admin") => makeUser(t.db, { teams: [[fx.teamA.id, role]] }).then((u) => u.principal);
    principals.anonymous = null;
    principals["no teams"] = (await makeUser(t.db)).principal;
    principals.viewer = await inA("viewer");
    principals.engineer = await inA("engineer");
    principals.oncall = await inA("oncall");
    principals["team admin"] = await inA("admin");
    principals["global admin"] = (await makeUser(t.db, { isGlobalAdmin: true })).principal;
  });

  it("has a sample input for every procedure (add one to SAMPLES for a new procedure)", () => {
    const missing = procedures.filter((p) => !SAMPLES[p.path]?.length).map((p) => p.path);
    expect(missing).toEqual([]);
    const stale = Object.keys(SAMPLES).filter((k) => !procedures.some((p) => p.path === k));
    expect(stale, "samples for procedures that no longer exist").toEqual([]);
  });

  // Procedures without samples fail the test above (once), rather than as an empty suite each.
  for (const p of procedures.filter((x) => SAMPLES[x.path]?.length)) {
    describe(`${p.path} (${p.type}, ${p.meta.permission})`, () => {
      for (const sample of SAMPLES[p.path]!) {
        it.each(ROLE_NAMES.map((r) => [r]))(`${sample.label ? sample.label + " as " : "as "}%s`, async (role) => {
          const principal = principals[role];
          const input = await sample.input(fx);
          const scope = sample.scope?.(fx);
          const want = expectedOutcome(p, principal, scope);
          const seq = await lastSeq(t.db);

          const got = await outcomeOf(call(callerFor(t.db, principal), p, input));
          const rows = await auditSince(t.db, seq);

          if (want === "OK") {
            expect([`OK`, sample.allowedError ?? "OK"]).toContain(got);
            expect(rows.filter((r) => r.outcome === "denied")).toEqual([]);
            if (p.type === "mutation" && got === "OK") {
              expect(rows).toMatchObject([{ action: p.meta.audit, outcome: "success", actorId: principal!.id }]);
            } else {
              expect(rows).toEqual([]);
            }
          } else {
            expect(got).toBe(want);
            // Exactly one audit event records the refusal, under the procedure's audit action when it has one.
            expect(rows).toHaveLength(1);
            expect(rows[0]).toMatchObject({
              outcome: "denied",
              actorId: principal?.id ?? null,
              actorLabel: principal?.email ?? "anonymous",
              action: p.meta.audit ?? p.path,
            });
            if (want === "FORBIDDEN") {
              expect(rows[0]!.meta).toMatchObject({ permission: p.meta.permission, teams: scope?.teamIds ?? [] });
            } else {
              expect(rows[0]!.meta).toMatchObject({ reason: "not signed in" });
            }
          }
        });
      }
    });
  }

  it("a team admin manages their own team, and only their own team", async () => {
    const admin = principals["team admin"]!;
    const caller = callerFor(t.db, admin);
    const target = (await makeUser(t.db)).user;
    await caller.admin.setMembership({ teamId: fx.teamA.id, userId: target.id, role: "oncall" });
    expect(await t.db.membership.findUnique({ where: { userId_teamId: { userId: target.id, teamId: fx.teamA.id } } })).toMatchObject({ role: "oncall" });

    expect(await outcomeOf(caller.admin.setMembership({ teamId: fx.teamB.id, userId: target.id, role: "admin" }))).toBe("FORBIDDEN");
    // Nor can they promote themselves into another team.
    expect(await outcomeOf(caller.admin.setMembership({ teamId: fx.teamB.id, userId: admin.id, role: "admin" }))).toBe("FORBIDDEN");
    expect(await t.db.membership.findMany({ where: { teamId: fx.teamB.id, userId: { in: [target.id, admin.id] } } })).toEqual([]);

    await caller.admin.removeMembership({ teamId: fx.teamA.id, userId: target.id });
    expect(await t.db.membership.count({ where: { userId: target.id } })).toBe(0);
  });
});
