import type { Deploy, Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { appendAudit, runAudited, type AuditActor } from "@/server/audit/append";
import { log } from "@/server/log";
import {
  sharedInformers,
  type InformerPool,
  KubernetesError,
  parseLabelSelector,
  rolloutStatusOf,
  toPod,
  toWorkload,
  type DeploymentManifest,
  type Informer,
  type KubeObject,
  type PodInfo,
  type Target,
  type Workload,
} from "@/server/providers/kubernetes";
import { expireApprovals } from "./approvals";
import { analyseInterval } from "./canary";
import { findEnvironment, type DeploysRuntime, type Environment } from "./config";
import { createRollback, planRollback, revisionWithImage } from "./rollback";
import { CANARY_LABEL, CANARY_VALUE, canaryName, loadService, targetOf } from "./services";
import { FOLLOWED_STATES, move, workerActor, type Move } from "./state-machine";
import { deployStepChanged, deploysChanged } from "./topics";

/**
 * The rollout follower: one per worker process. It starts deploys (the `deploys_run` job hands them over) and follows
 * every rollout it owns through shared watches (one list+watch of Deployments and one of Pods per namespace), so one
 * process follows hundreds of rollouts. Each move is a state-machine transition with its audit event (actor "worker").
 *
 * Ownership: the follower writes `heartbeatAt` of the deploys it follows every few seconds. A deploy in rolling_out or
 * verifying whose heartbeat is older than `staleMs` lost its worker; any follower's sweep (on boot and periodically)
 * claims it with a conditional UPDATE and RESUMES following: the rollout kept going in the cluster, so the follower
 * re-reads the live state, re-applies the change if it never reached the cluster, and continues where the timeline
 * says it was (canary analysis resumes at the next interval).
 */

type Phase = "rollout" | "canary-up" | "analysis" | "verify";

type Followed = {
  id: string;
  d: Deploy;
  env: Environment;
  target: Target;
  phase: Phase;
  /** The change (patch, undo, canary) was applied — or found applied — by this follower. */
  ensured: boolean;
  ensuredAt: number;
  verifyUntil: number;
  baseline: Map<string, number>;
  progressKey: string;
  progressAt: number;
  stepId: bigint | null;
  unreachableSince: number | null;
  timer: NodeJS.Timeout | null;
  busy: boolean;
  dirty: boolean;
  /** A timer fired while an evaluation was running: the next evaluation is a tick (canary intervals count ticks). */
  tickPending: boolean;
  done: boolean;
  releases: (() => void)[];
  deployments: Informer;
  pods: Informer;
  entity: { name: string; annotations: Record<string, string> } | null;
};

const ACTIVE_STEP_NAMES = ["rollout", "canary", "analysis", "promote", "verify"];
/** A cluster that stays unreachable this long fails the deploy (its outcome cannot be known). */
const UNREACHABLE_LIMIT_MS = 120_000;
/** A Deployment whose image another writer changed during the rollout is noticed after this grace period. */
const FOREIGN_CHANGE_GRACE_MS = 15_000;
/** At most one timeline progress write per deploy per this many ms. */
const PROGRESS_MS = 400;

export class RolloutFollower {
  private readonly followed = new Map<string, Followed>();
  private readonly pool: InformerPool | null;
  private readonly tickers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly rt: DeploysRuntime,
    private readonly label = `worker-${process.pid}`,
  ) {
    this.pool = rt.kube ? sharedInformers(rt.kube) : null;
  }

  /** Heartbeats and the stale-deploy sweep. */
  start(): void {
    const hb = setInterval(() => void this.heartbeat().catch((err: unknown) => log.warn({ err }, "deploy heartbeat failed")), this.rt.heartbeatMs);
    // The sweep also expires pending approvals whose window ended (every worker may; a lost race is a no-op).
    const sweep = setInterval(
      () => void Promise.all([this.sweep(), expireApprovals(this.db)]).catch((err: unknown) => log.warn({ err }, "deploy sweep failed")),
      Math.max(1000, Math.round(this.rt.staleMs / 3)),
    );
    hb.unref();
    sweep.unref();
    this.tickers.push(hb, sweep);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.tickers) clearInterval(t);
    for (const f of this.followed.values()) this.drop(f);
  }

  get size(): number {
    return this.followed.size;
  }

  private actor(id: string): AuditActor {
    return workerActor(`${this.label}:deploy:${id}`);
  }

  /** The `deploys_run` job: starts a requested/approved deploy, or takes over one that is already rolling out. */
  async run(id: string): Promise<void> {
    const d = await this.db.deploy.findUnique({ where: { id } });
    if (!d) return;
    if (d.state === "requested" || d.state === "approved") return this.begin(d);
    if ((FOLLOWED_STATES as readonly string[]).includes(d.state)) await this.adopt(id);
  }

  private async transition(id: string, m: Move, expect: readonly Deploy["state"][], extra?: (tx: Prisma.TransactionClient) => Promise<void>) {
    await runAudited(this.db, this.actor(id), "deploy.state", async (tx) => {
      const from = await move(tx, id, m, expect);
      await extra?.(tx);
      return { result: null, targetType: "deploy", targetId: id, before: { state: from }, after: { state: m.to, ...(m.step?.message ? { message: m.step.message } : {}) } };
    });
    await deploysChanged(this.db, id);
  }

  private async begin(d: Deploy): Promise<void> {
    const env = findEnvironment(this.rt, d.environment);
    if (!env || !this.rt.kube) {
      const why = !env ? `environment "${d.environment}" is no longer configured` : (this.rt.kubeError ?? "no Kubernetes clusters configured");
      await this.transition(d.id, { to: "failed", data: { message: why }, step: { name: "start", status: "failed", message: why } }, ["requested", "approved"]);
      return;
    }
    const first = d.strategy === "canary" && d.kind === "deploy" ? "canary" : "rollout";
    const message =
      first === "canary"
        ? `creating canary ${canaryName(d.workload)} (1 replica, ${d.toVersion})`
        : d.kind === "rollback"
          ? `rolling ${d.workload} back to ${d.toVersion}`
          : `setting ${d.container} of ${d.workload} to ${d.image}`;
    await this.transition(
      d.id,
      { to: "rolling_out", data: { startedAt: new Date(), heartbeatAt: new Date() }, step: { name: first, status: "running", message } },
      ["requested", "approved"],
    );
    await this.adopt(d.id);
  }

  /** Follows a deploy in rolling_out/verifying (idempotent). */
  async adopt(id: string, opts: { resumed?: boolean } = {}): Promise<void> {
    if (this.stopped || this.followed.has(id)) return;
    const d = await this.db.deploy.findUnique({ where: { id }, include: { steps: { orderBy: { id: "asc" } } } });
    if (!d || !(FOLLOWED_STATES as readonly string[]).includes(d.state)) return;
    const env = findEnvironment(this.rt, d.environment);
    if (!env || !this.pool) {
      const why = !env ? `environment "${d.environment}" is no longer configured` : (this.rt.kubeError ?? "no Kubernetes clusters configured");
      await this.transition(id, { to: "failed", data: { message: why }, step: { name: "failed", status: "failed", message: why } }, FOLLOWED_STATES);
      return;
    }
    const target = targetOf(env);
    const deps = this.pool.acquire(target, "deployments");
    const pods = this.pool.acquire(target, "pods");
    const promoted = d.steps.some((s) => s.name === "promote");
    const canary = d.strategy === "canary" && d.kind === "deploy" && !promoted;
    const phase: Phase = d.state === "rolling_out" ? (canary ? "canary-up" : "rollout") : canary ? "analysis" : "verify";
    const running = [...d.steps].reverse().find((s) => s.status === "running" && ACTIVE_STEP_NAMES.includes(s.name));
    const verifyStep = [...d.steps].reverse().find((s) => s.name === "verify");
    const f: Followed = {
      id,
      d,
      env,
      target,
      phase,
      ensured: false,
      ensuredAt: 0,
      verifyUntil: phase === "verify" ? (verifyStep?.startedAt.getTime() ?? Date.now()) + env.verifySeconds * 1000 : 0,
      baseline: new Map(),
      progressKey: "",
      progressAt: 0,
      stepId: running?.id ?? null,
      unreachableSince: null,
      timer: null,
      busy: false,
      dirty: false,
      tickPending: false,
      done: false,
      releases: [deps.release, pods.release],
      deployments: deps.informer,
      pods: pods.informer,
      entity: null,
    };
    this.followed.set(id, f);
    if (canary) {
      const s = await loadService(this.db, d.entityRef).catch(() => null);
      f.entity = s ? { name: s.name, annotations: s.annotations } : { name: d.entityRef.split("/").pop() ?? d.workload, annotations: {} };
    }
    const onChange = (c: { type: string; object?: KubeObject }) => {
      if (c.type === "SYNC" || c.type === "ERROR" || !c.object || this.relevant(f, c.object)) this.schedule(f);
    };
    f.releases.push(deps.informer.on(onChange), pods.informer.on(onChange));
    if (opts.resumed) {
      await this.db.deployStep.create({ data: { deployId: id, name: "resumed", status: "info", message: `${this.label} resumed following (the previous worker stopped)`, finishedAt: new Date() } });
      await deploysChanged(this.db, id);
    }
    if (phase === "verify") this.at(f, f.verifyUntil);
    if (phase === "analysis") this.at(f, Date.now() + env.canary.interval * 1000);
    await Promise.all([deps.informer.waitReady(), pods.informer.waitReady()]);
    this.schedule(f);
  }

  private relevant(f: Followed, o: KubeObject): boolean {
    const name = String(o.metadata?.name ?? "");
    if (name === f.d.workload || name === canaryName(f.d.workload)) return true;
    return name.startsWith(`${f.d.workload}-`);
  }

  private at(f: Followed, when: number) {
    if (f.timer) clearTimeout(f.timer);
    f.timer = setTimeout(() => {
      f.timer = null;
      this.schedule(f, true);
    }, Math.max(0, when - Date.now()));
    f.timer.unref();
  }

  private schedule(f: Followed, tick = false) {
    if (f.done) return;
    if (tick) f.tickPending = true;
    if (f.busy) {
      f.dirty = true;
      return;
    }
    f.busy = true;
    void (async () => {
      try {
        do {
          const wasTick = f.tickPending;
          f.tickPending = false;
          f.dirty = false;
          await this.evaluate(f, wasTick);
        } while ((f.dirty || f.tickPending) && !f.done);
      } catch (err) {
        log.error({ err, deploy: f.id }, "deploy evaluation failed");
        this.at(f, Date.now() + 2000);
      } finally {
        f.busy = false;
      }
    })();
  }

  private workload(f: Followed, name = f.d.workload): Workload | null {
    for (const o of f.deployments.objects.values()) if (o.metadata?.name === name) return toWorkload(o);
    return null;
  }

  /** Pods of a Deployment (by its selector) on one side: the canary (track=canary) or the stable one. */
  private podsOf(f: Followed, w: Workload, side: "stable" | "canary"): PodInfo[] {
    const match = parseLabelSelector(w.selector);
    const out: PodInfo[] = [];
    for (const o of f.pods.objects.values()) {
      const labels = (o.metadata?.labels ?? {}) as Record<string, string>;
      if (!match(labels) || (labels[CANARY_LABEL] === CANARY_VALUE) !== (side === "canary")) continue;
      out.push(toPod(o));
    }
    return out;
  }

  private async evaluate(f: Followed, tick: boolean): Promise<void> {
    if (f.done) return;
    // A cluster we cannot see: wait (the watch retries), but not forever.
    if (f.deployments.error || f.pods.error || !f.deployments.synced || !f.pods.synced) {
      const err = f.deployments.error ?? f.pods.error;
      if (err) {
        f.unreachableSince ??= Date.now();
        if (Date.now() - f.unreachableSince > UNREACHABLE_LIMIT_MS) return this.fail(f, `${err.message} (for more than ${UNREACHABLE_LIMIT_MS / 1000} s)`);
        this.at(f, Date.now() + 5000);
      }
      return;
    }
    f.unreachableSince = null;
    switch (f.phase) {
      case "rollout":
        return this.followRollout(f);
      case "verify":
        return this.followVerify(f);
      case "canary-up":
        return this.followCanaryUp(f);
      case "analysis":
        return this.followAnalysis(f, tick);
    }
  }

  /** Applies the deploy's change to the cluster (patch, undo or canary); cluster outages are retried, refusals fail the deploy. */
  private async apply(f: Followed, what: () => Promise<unknown>): Promise<boolean> {
    try {
      await what();
      f.ensured = true;
      f.ensuredAt = Date.now();
      return true;
    } catch (err) {
      if (err instanceof KubernetesError && (err.kind === "unreachable" || err.kind === "timeout" || err.kind === "conflict")) {
        f.unreachableSince ??= Date.now();
        if (Date.now() - f.unreachableSince > UNREACHABLE_LIMIT_MS) await this.fail(f, err.message);
        else this.at(f, Date.now() + 2000);
        return false;
      }
      await this.fail(f, err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  private containerImage(f: Followed, w: Workload): string | undefined {
    return w.containers.find((c) => c.name === f.d.container)?.image;
  }

  private async followRollout(f: Followed) {
    const kube = this.rt.kube!;
    const w = this.workload(f);
    if (!w) return this.fail(f, `deployment ${f.d.workload} no longer exists in ${f.env.namespace}`);
    if (this.containerImage(f, w) !== f.d.image) {
      if (!f.ensured) {
        const ok = await this.apply(f, async () => {
          if (f.d.kind === "rollback") {
            const history = await kube.history(f.target, f.d.workload);
            const rev = revisionWithImage(history, f.d.container, f.d.image, w.revision);
            if (!rev) throw new Error(`no ReplicaSet of ${f.d.workload} runs ${f.d.image} any more; cannot roll back`);
            await kube.undo(f.target, f.d.workload, rev.revision);
          } else {
            await kube.patchImage(f.target, f.d.workload, f.d.container, f.d.image, { changeCause: `opsdeck deploy ${f.id}: ${f.d.reason}`.slice(0, 250) });
          }
        });
        if (ok) await this.progress(f, { message: f.d.kind === "rollback" ? "previous revision restored; waiting for the rollout" : "image patched; waiting for the rollout" });
        return;
      }
      if (Date.now() - f.ensuredAt > FOREIGN_CHANGE_GRACE_MS && w.observedGeneration >= w.generation) {
        return this.fail(f, `${f.d.workload} was changed to ${this.containerImage(f, w)} by someone else during the rollout`);
      }
      this.at(f, f.ensuredAt + FOREIGN_CHANGE_GRACE_MS + 100);
      return;
    }
    f.ensured = true;
    const status = rolloutStatusOf(w);
    const fresh = this.podsOf(f, w, "stable").filter((p) => !p.terminating && p.images.includes(f.d.image));
    const stuck = fresh.find((p) => p.problem);
    if (stuck) return this.fail(f, `pod ${stuck.name} is in ${stuck.problem!.reason}${stuck.problem!.message ? `: ${stuck.problem!.message}` : ""}`);
    await this.progress(f, { message: status.message, replicas: w.replicas, revision: w.revision });
    if (status.state === "failed") return this.fail(f, status.message);
    if (status.state !== "complete") return;
    // Rolled out: verify that the new pods stay healthy for verifySeconds.
    const promoted = f.d.strategy === "canary" && f.d.kind === "deploy";
    if (promoted) await this.deleteCanary(f);
    f.phase = "verify";
    f.verifyUntil = Date.now() + f.env.verifySeconds * 1000;
    f.baseline = new Map(fresh.map((p) => [p.name, p.restarts]));
    await this.finishStep(f, "succeeded", status.message);
    await this.transition(
      f.id,
      {
        to: "verifying",
        data: { toRevision: w.revision || null },
        step: { name: "verify", status: "running", message: `rolled out (revision ${w.revision}); checking that pods stay healthy for ${f.env.verifySeconds} s` },
      },
      ["rolling_out"],
    );
    f.stepId = await this.lastStepId(f.id);
    this.at(f, f.verifyUntil);
  }

  private async followVerify(f: Followed) {
    const w = this.workload(f);
    if (!w) return this.fail(f, `deployment ${f.d.workload} no longer exists in ${f.env.namespace}`);
    const fresh = this.podsOf(f, w, "stable").filter((p) => !p.terminating && p.images.includes(f.d.image));
    const stuck = fresh.find((p) => p.problem);
    if (stuck) return this.fail(f, `pod ${stuck.name} is in ${stuck.problem!.reason} after the rollout${stuck.problem!.message ? `: ${stuck.problem!.message}` : ""}`);
    const restarted = fresh.find((p) => p.restarts > (f.baseline.get(p.name) ?? 0));
    if (restarted) return this.fail(f, `pod ${restarted.name} restarted during verification (${restarted.restarts} restarts)`);
    // Timers may fire a millisecond early: re-arm rather than wait for an event that may never come.
    if (Date.now() < f.verifyUntil) return this.at(f, f.verifyUntil + 5);
    await this.succeed(f, w);
  }

  private async followCanaryUp(f: Followed) {
    const kube = this.rt.kube!;
    const name = canaryName(f.d.workload);
    const cw = this.workload(f, name);
    if (!cw || this.containerImage(f, cw) !== f.d.image) {
      if (f.ensured) {
        if (Date.now() - f.ensuredAt > FOREIGN_CHANGE_GRACE_MS) return this.fail(f, `canary ${name} disappeared`);
        this.at(f, f.ensuredAt + FOREIGN_CHANGE_GRACE_MS + 100);
        return;
      }
      await this.apply(f, async () => {
        const stable = await kube.readDeployment(f.target, f.d.workload);
        if (!stable) throw new Error(`deployment ${f.d.workload} no longer exists in ${f.env.namespace}`);
        if (cw) await kube.deleteDeployment(f.target, name);
        await kube.createDeployment(f.target, canaryManifest(stable, name, f.d));
      });
      return;
    }
    f.ensured = true;
    const pods = this.podsOf(f, cw, "canary").filter((p) => !p.terminating);
    const stuck = pods.find((p) => p.problem);
    if (stuck) return this.abort(f, `canary pod ${stuck.name} is in ${stuck.problem!.reason}${stuck.problem!.message ? `: ${stuck.problem!.message}` : ""}`);
    const status = rolloutStatusOf(cw);
    await this.progress(f, { message: status.message, replicas: cw.replicas });
    if (status.state === "failed") return this.abort(f, `canary: ${status.message}`);
    if (status.state !== "complete" || cw.replicas.available < 1) return;
    await this.finishStep(f, "succeeded", `canary ${name} is up (${cw.replicas.available} ready)`);
    await this.transition(
      f.id,
      { to: "verifying", step: { name: "analysis", status: "running", message: `analysing canary vs stable over ${f.env.canary.intervals} intervals of ${f.env.canary.interval} s` } },
      ["rolling_out"],
    );
    f.stepId = await this.lastStepId(f.id);
    f.phase = "analysis";
    this.at(f, Date.now() + f.env.canary.interval * 1000);
  }

  private async followAnalysis(f: Followed, tick: boolean) {
    const cw = this.workload(f, canaryName(f.d.workload));
    if (!cw) return this.abort(f, `canary ${canaryName(f.d.workload)} disappeared during analysis`);
    const stuck = this.podsOf(f, cw, "canary").find((p) => !p.terminating && p.problem);
    if (stuck) return this.abort(f, `canary pod ${stuck.name} is in ${stuck.problem!.reason}`);
    if (!tick) return;
    const done = await this.db.deployAnalysis.count({ where: { deployId: f.id } });
    const result = await analyseInterval(this.rt.metrics(f.env.name), f.env, f.entity ?? { name: f.d.workload, annotations: {} });
    await this.db.deployAnalysis.create({ data: { deployId: f.id, interval: done + 1, ...result } });
    await this.progress(f, { message: `interval ${done + 1}/${f.env.canary.intervals}: ${result.verdict} — ${result.message}`, interval: done + 1 });
    if (result.verdict !== "pass") return this.abort(f, `canary analysis interval ${done + 1}: ${result.verdict === "error" ? "no verdict — " : ""}${result.message}`);
    if (done + 1 < f.env.canary.intervals) {
      this.at(f, Date.now() + f.env.canary.interval * 1000);
      return;
    }
    // Every interval passed: promote (the stable Deployment rolls out the new image; the canary goes once it is done).
    await this.finishStep(f, "succeeded", `all ${f.env.canary.intervals} intervals passed`);
    await this.transition(
      f.id,
      { to: "rolling_out", step: { name: "promote", status: "running", message: `promoting: setting ${f.d.container} of ${f.d.workload} to ${f.d.image}` } },
      ["verifying"],
    );
    f.stepId = await this.lastStepId(f.id);
    f.phase = "rollout";
    f.ensured = false;
    f.progressKey = "";
    this.schedule(f, true);
  }

  private async lastStepId(id: string): Promise<bigint | null> {
    const s = await this.db.deployStep.findFirst({ where: { deployId: id }, orderBy: { id: "desc" }, select: { id: true } });
    return s?.id ?? null;
  }

  /**
   * Updates the running step's message and figures when they changed (the timeline shows replicas moving), at most every
   * PROGRESS_MS per deploy: with hundreds of rollouts, every pod event would otherwise be a write and two notifications.
   * A change inside the interval is written by a trailing re-evaluation; state moves are never delayed by this.
   */
  private async progress(f: Followed, data: Record<string, unknown> & { message: string }) {
    const key = JSON.stringify(data);
    if (key === f.progressKey || !f.stepId) return;
    const wait = f.progressAt + PROGRESS_MS - Date.now();
    if (wait > 0) {
      if (!f.timer) this.at(f, Date.now() + wait);
      return;
    }
    f.progressKey = key;
    f.progressAt = Date.now();
    await this.db.deployStep.update({ where: { id: f.stepId }, data: { message: data.message, data: data as Prisma.InputJsonValue } });
    await deployStepChanged(this.db, f.id);
  }

  private async finishStep(f: Followed, status: "succeeded" | "failed", message: string) {
    if (!f.stepId) return;
    await this.db.deployStep.update({ where: { id: f.stepId }, data: { status, message, finishedAt: new Date() } });
    f.stepId = null;
  }

  private async deleteCanary(f: Followed) {
    try {
      await this.rt.kube?.deleteDeployment(f.target, canaryName(f.d.workload));
    } catch (err) {
      log.warn({ err, deploy: f.id }, "could not delete the canary");
    }
  }

  /** A canary that failed before promotion: the canary goes, the stable Deployment never changed. */
  private async abort(f: Followed, reason: string) {
    await this.deleteCanary(f);
    await this.fail(f, `${reason} — canary removed, stable untouched`);
  }

  private async succeed(f: Followed, w: Workload) {
    f.done = true;
    await this.finishStep(f, "succeeded", `pods healthy for ${f.env.verifySeconds} s`);
    await runAudited(this.db, this.actor(f.id), "deploy.state", async (tx) => {
      await move(tx, f.id, { to: "succeeded", data: { toRevision: w.revision || null }, step: { name: "succeeded", status: "succeeded", message: `${f.d.toVersion} is live in ${f.env.name}` } }, ["verifying"]);
      if (f.d.kind === "rollback" && f.d.rollbackOfId) {
        const undone = await tx.deploy.findUnique({ where: { id: f.d.rollbackOfId }, select: { state: true } });
        if (undone && (undone.state === "succeeded" || undone.state === "failed")) {
          await move(tx, f.d.rollbackOfId, { to: "rolled_back", step: { name: "rolled_back", status: "info", message: `rolled back by deploy ${f.id}` } });
          await appendAudit(tx, this.actor(f.id), { action: "deploy.state", targetType: "deploy", targetId: f.d.rollbackOfId, before: { state: undone.state }, after: { state: "rolled_back", by: f.id } });
        }
      }
      return { result: null, targetType: "deploy", targetId: f.id, before: { state: "verifying" }, after: { state: "succeeded", revision: w.revision } };
    });
    await deploysChanged(this.db, f.id, f.d.rollbackOfId);
    this.drop(f);
  }

  /**
   * Fails the deploy with its reason; with autoRollback on, and the stable Deployment changed by this deploy, a
   * rollback deploy to the previous version is recorded in the same transaction (and started by the worker).
   */
  private async fail(f: Followed, reason: string) {
    if (f.done) return;
    f.done = true;
    const d = f.d;
    const changedStable = d.kind === "deploy" && (d.strategy === "rolling" || f.phase === "rollout" || f.phase === "verify");
    let plan: Awaited<ReturnType<typeof planRollback>> | null = null;
    let noRollback = "";
    if (f.env?.autoRollback && changedStable && d.fromImage && this.rt.kube) {
      try {
        plan = await planRollback(this.db, this.rt.kube, f.env, { ...d, state: "failed" });
      } catch (err) {
        noRollback = (err as Error).message;
      }
    }
    let rollbackId: string | null = null;
    try {
      await runAudited(this.db, this.actor(f.id), "deploy.state", async (tx) => {
        if (f.stepId) await tx.deployStep.update({ where: { id: f.stepId }, data: { status: "failed", finishedAt: new Date() } });
        const from = await move(tx, f.id, { to: "failed", data: { message: reason }, step: { name: "failed", status: "failed", message: reason } }, FOLLOWED_STATES.concat(["requested", "approved"]));
        if (plan) {
          const r = await createRollback(tx, d, plan, { userId: d.requestedById, label: "automatic rollback", reason: `automatic rollback of ${d.toVersion}: ${reason}`.slice(0, 1000) });
          rollbackId = r.id;
          await tx.deployStep.create({ data: { deployId: f.id, name: "auto-rollback", status: "info", message: `rolling back to ${plan.image} (deploy ${r.id})`, finishedAt: new Date() } });
          await appendAudit(tx, this.actor(f.id), { action: "deploy.rollback", targetType: "deploy", targetId: r.id, before: { image: plan.currentImage }, after: { image: plan.image, revision: plan.revision, rollbackOf: f.id, automatic: true } });
        } else if (noRollback) {
          await tx.deployStep.create({ data: { deployId: f.id, name: "auto-rollback", status: "failed", message: `automatic rollback not possible: ${noRollback}`, finishedAt: new Date() } });
        }
        return { result: null, targetType: "deploy", targetId: f.id, before: { state: from }, after: { state: "failed", message: reason } };
      });
    } catch (err) {
      log.error({ err, deploy: f.id }, "could not record the deploy failure");
    }
    await deploysChanged(this.db, f.id, rollbackId);
    this.drop(f);
  }

  private drop(f: Followed) {
    f.done = true;
    if (f.timer) clearTimeout(f.timer);
    for (const r of f.releases ?? []) r();
    this.followed.delete(f.id);
  }

  /** Keeps owned deploys claimed; drops those that left rolling_out/verifying elsewhere (cancelled, aborted). */
  async heartbeat(): Promise<void> {
    const ids = [...this.followed.keys()];
    if (!ids.length) return;
    const alive = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Deploy" SET "heartbeatAt" = now() WHERE id = ANY(${ids}) AND state IN ('rolling_out', 'verifying') RETURNING id`;
    const keep = new Set(alive.map((r) => r.id));
    for (const id of ids) {
      const f = this.followed.get(id);
      if (f && !keep.has(id) && !f.busy) this.drop(f);
    }
  }

  /** Claims deploys whose follower went silent and resumes following them. */
  async sweep(): Promise<number> {
    if (this.stopped) return 0;
    const mine = [...this.followed.keys()];
    const staleBefore = new Date(Date.now() - this.rt.staleMs);
    const claimed = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Deploy" SET "heartbeatAt" = now()
      WHERE state IN ('rolling_out', 'verifying') AND ("heartbeatAt" IS NULL OR "heartbeatAt" < ${staleBefore})
        AND NOT (id = ANY(${mine}))
      RETURNING id`;
    for (const { id } of claimed) await this.adopt(id, { resumed: true });
    return claimed.length;
  }
}

/** The canary Deployment: the stable one's spec with 1 replica, the new image, and track=canary on it, its selector and pods. */
export function canaryManifest(stable: DeploymentManifest, name: string, d: Pick<Deploy, "id" | "container" | "image" | "workload">): DeploymentManifest {
  const meta = (stable.metadata ?? {}) as { labels?: Record<string, string>; namespace?: string };
  const spec = structuredClone((stable as { spec?: Record<string, unknown> }).spec ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { containers?: { name: string; image: string }[] } };
  };
  spec.replicas = 1;
  spec.selector = { ...spec.selector, matchLabels: { ...(spec.selector?.matchLabels ?? {}), [CANARY_LABEL]: CANARY_VALUE } };
  const template = (spec.template ??= {});
  template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [CANARY_LABEL]: CANARY_VALUE } };
  const containers = template.spec?.containers ?? [];
  const c = containers.find((x) => x.name === d.container) ?? containers[0];
  if (c) c.image = d.image;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: meta.namespace,
      labels: { ...(meta.labels ?? {}), [CANARY_LABEL]: CANARY_VALUE },
      annotations: { "opsdeck.dev/canary-of": d.workload, "opsdeck.dev/deploy": d.id },
    },
    spec,
  } as DeploymentManifest;
}

const followers = new WeakMap<Db, RolloutFollower>();

/** The process's follower for this database (created and started on first use). */
export function deployFollower(db: Db, rt: DeploysRuntime): RolloutFollower {
  let f = followers.get(db);
  if (!f) {
    f = new RolloutFollower(db, rt);
    f.start();
    followers.set(db, f);
  }
  return f;
}

/** Stops the follower of `db` (tests; process shutdown ends it anyway). */
export function stopDeployFollower(db: Db): void {
  followers.get(db)?.stop();
  followers.delete(db);
}
