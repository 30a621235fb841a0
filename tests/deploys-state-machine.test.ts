import { describe, expect, it } from "vitest";
import { ACTIVE_STATES, EDGES, TERMINAL_STATES, canMove } from "@/server/deploys/state-machine";
import { activeFreeze, nextFreeze } from "@/server/deploys/freeze";
import { IMAGE_RE, resolveImage, versionInput } from "@/server/deploys/images";
import { environmentSchema } from "@/server/env";
import { imageTag, parseLabelSelector, rolloutStatusOf, toPod, toWorkload } from "@/server/providers/kubernetes";
import { versionsFrom } from "@/server/deploys/request";

const ALL = Object.keys(EDGES) as (keyof typeof EDGES)[];

describe("deploy state machine", () => {
  it("allows exactly the edges of the design (DESIGN.md), nothing else", () => {
    const allowed = ALL.flatMap((from) => ALL.filter((to) => canMove(from, to)).map((to) => `${from} → ${to}`));
    expect(allowed.sort()).toEqual(
      [
        "requested → awaiting_approval",
        "requested → rolling_out",
        "requested → cancelled",
        "requested → failed",
        "awaiting_approval → approved",
        "awaiting_approval → rejected",
        "awaiting_approval → expired",
        "awaiting_approval → cancelled",
        "approved → rolling_out",
        "approved → cancelled",
        "approved → failed",
        "rolling_out → verifying",
        "rolling_out → failed",
        "rolling_out → cancelled",
        "verifying → succeeded",
        "verifying → failed",
        "verifying → rolling_out",
        "verifying → cancelled",
        "succeeded → rolled_back",
        "failed → rolled_back",
      ].sort(),
    );
  });

  it("never leaves a terminal state except succeeded/failed → rolled_back, and never skips approval or the rollout", () => {
    for (const s of TERMINAL_STATES) {
      const out = EDGES[s];
      if (s === "succeeded" || s === "failed") expect(out).toEqual(["rolled_back"]);
      else expect(out).toEqual([]);
    }
    expect(canMove("awaiting_approval", "rolling_out")).toBe(false);
    expect(canMove("requested", "succeeded")).toBe(false);
    expect(canMove("rolling_out", "succeeded")).toBe(false);
    expect(canMove("rolled_back", "succeeded")).toBe(false);
    // The partial unique index in the migration lists the same active states.
    expect([...ACTIVE_STATES].sort()).toEqual(["approved", "awaiting_approval", "requested", "rolling_out", "verifying"]);
  });
});

describe("freeze windows", () => {
  const env = (freezeWindows: unknown[]) => ({ ...environmentSchema.parse({ context: "c", namespace: "n", freezeWindows }), name: "prod" });

  it("are active from each cron start for their duration, in their timezone", () => {
    const fridays = env([{ cron: "0 18 * * 5", duration: "62h", timezone: "UTC", reason: "weekend" }]);
    expect(activeFreeze(fridays, new Date("2026-11-27T17:59:00Z"))).toBeNull(); // Friday before 18:00
    expect(activeFreeze(fridays, new Date("2026-11-27T18:00:00Z"))).toMatchObject({ reason: "weekend", endsAt: new Date("2026-11-30T08:00:00Z") });
    expect(activeFreeze(fridays, new Date("2026-11-29T12:00:00Z"))).not.toBeNull(); // Sunday
    expect(activeFreeze(fridays, new Date("2026-11-30T08:00:00Z"))).toBeNull(); // Monday 08:00: over
    expect(nextFreeze(fridays, new Date("2026-11-30T09:00:00Z"))?.startsAt).toEqual(new Date("2026-12-04T18:00:00Z"));
    const berlin = env([{ cron: "0 18 * * 5", duration: "1h", timezone: "Europe/Berlin" }]);
    expect(activeFreeze(berlin, new Date("2026-11-27T17:30:00Z"))).not.toBeNull(); // 18:30 in Berlin (UTC+1)
  });

  it("bad configuration is refused by the env schema", () => {
    expect(() => environmentSchema.parse({ context: "c", namespace: "n", freezeWindows: [{ cron: "every friday", duration: "1h" }] })).toThrow(/cron/);
    expect(() => environmentSchema.parse({ context: "c", namespace: "n", approvalTtl: "soon" })).toThrow(/duration/);
    expect(() => environmentSchema.parse({ context: "c", namespace: "Prod_NS" })).toThrow(/namespace/);
    expect(environmentSchema.parse({ context: "c", namespace: "n", approvalTtl: "90m" }).approvalTtl).toBe(5400);
  });
});

describe("image references and versions", () => {
  it("validates image references and resolves a tag onto the current repository", () => {
    for (const ok of ["nginx:1.25", "registry.example.com:5000/team/app:1.4.2", "ghcr.io/o/app@sha256:" + "a".repeat(64), "app:v1.2.3-rc.1"]) expect(IMAGE_RE.test(ok), ok).toBe(true);
    for (const bad of ["UPPER/app:1", "app:", "app::1", "-app:1", "a b:1"]) expect(IMAGE_RE.test(bad), bad).toBe(false);
    expect(resolveImage("1.5.0", "registry.opsdeck.demo/pay:1.4.0")).toBe("registry.opsdeck.demo/pay:1.5.0");
    expect(resolveImage("registry.other/pay:2.0.0", "registry.opsdeck.demo/pay:1.4.0")).toBe("registry.other/pay:2.0.0");
    expect(versionInput.safeParse("Not An Image!").success).toBe(false);
    expect(versionInput.safeParse("registry.x/app").success).toBe(false); // no tag or digest
    expect(imageTag("r:5000/a/b:1.2@sha256:" + "b".repeat(64))).toBe("1.2");
  });

  it("offers recent versions from the ReplicaSet history, newest first, current marked, duplicates once", () => {
    const rev = (revision: number, tag: string) => ({ revision, replicaSet: `rs-${revision}`, containers: [{ name: "app", image: `r/app:${tag}` }], createdAt: null, replicas: 0, changeCause: null });
    expect(versionsFrom([rev(5, "1.3.0"), rev(4, "1.2.0"), rev(3, "1.3.0"), rev(2, "1.1.0")], "app", "r/app:1.3.0").map((v) => `${v.version}${v.current ? "*" : ""}`)).toEqual([
      "1.3.0*",
      "1.2.0",
      "1.1.0",
    ]);
  });
});

describe("rollout and pod status (kubectl's rules)", () => {
  const dep = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 2) =>
    toWorkload({ metadata: { name: "web", generation, annotations: { "deployment.kubernetes.io/revision": "3" } }, spec: { replicas: 3, ...spec }, status });

  it("follows kubectl rollout status", () => {
    expect(rolloutStatusOf(dep({}, { observedGeneration: 1 })).message).toMatch(/spec update to be observed/);
    expect(rolloutStatusOf(dep({}, { observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).message).toMatch(/1 out of 3 new replicas/);
    expect(rolloutStatusOf(dep({}, { observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message).toMatch(/1 old replicas are pending termination/);
    expect(rolloutStatusOf(dep({}, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message).toMatch(/2 of 3 updated replicas are available/);
    expect(rolloutStatusOf(dep({}, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 })).state).toBe("complete");
    const stuck = dep({}, { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] });
    expect(rolloutStatusOf(stuck)).toMatchObject({ state: "failed", reason: "ProgressDeadlineExceeded" });
  });

  it("shows pod status like kubectl get pods and flags crash loops", () => {
    const pod = toPod({
      metadata: { name: "web-1", labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "r/web:2-crash" }], nodeName: "n1" },
      status: {
        phase: "Running",
        containerStatuses: [{ name: "web", ready: false, restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } }, lastState: { terminated: { exitCode: 1, reason: "Error" } } }],
      },
    });
    expect(pod).toMatchObject({ status: "CrashLoopBackOff", restarts: 4, ready: false, node: "n1", problem: { reason: "CrashLoopBackOff", message: "back-off 40s" } });
    const terminating = toPod({ metadata: { name: "web-2", deletionTimestamp: "2026-01-01T00:00:00Z" }, spec: { containers: [{ name: "web" }] }, status: { phase: "Running" } });
    expect(terminating.status).toBe("Terminating");
  });

  it("matches label selectors like the API server", () => {
    const m = parseLabelSelector("app.kubernetes.io/name=web,track!=canary,tier in (a,b),!legacy");
    expect(m({ "app.kubernetes.io/name": "web", tier: "a" })).toBe(true);
    expect(m({ "app.kubernetes.io/name": "web", tier: "a", track: "canary" })).toBe(false);
    expect(m({ "app.kubernetes.io/name": "web", tier: "c" })).toBe(false);
    expect(m({ "app.kubernetes.io/name": "web", tier: "b", legacy: "1" })).toBe(false);
  });
});
