import type { Db } from "@/server/db/client";
import { appendAudit } from "@/server/audit/append";
import { atLeast, type Principal } from "@/server/auth/roles";
import { loadPrincipal } from "@/server/auth/principal";
import { deploysRuntime } from "@/server/deploys/config";
import { environmentOrThrow, kubeOrThrow, workloadOrThrow } from "@/server/deploys/request";
import { loadService, targetOf, workloadSelectors, type Service } from "@/server/deploys/services";
import type { KubernetesProvider, PodInfo, Target, Workload } from "@/server/providers/kubernetes";
import { toText } from "../expr";
import { parseTemplate, renderValue } from "../template";
import { saveArtifact } from "../workdir";
import type { StepContext, StepOutcome } from "./types";

/**
 * `kubernetes`: acts on a catalog service's Deployment in an environment through the KubernetesProvider (the same
 * service → workload resolution as deploys: opsdeck.dev/deployment, else the app.kubernetes.io/name label).
 *  - restart / scale / rollback change the cluster (audited as workload.* with the run as context) and by default wait
 *    for the rollout to complete;
 *  - status / pods / events / logs only read, and can store what they print as an artifact (`saveAs`).
 * Changes are limited to services owned by a team the run's requester belongs to (engineer or above) — or, for
 * scheduled runs, by the runbook's owner team — so a runbook cannot become a way around team boundaries.
 */

const MUTATING = new Set(["restart", "scale", "rollback"]);
const MAX_LOG_PODS = 10;
const POLL_MS = 1000;

export type RunRequester = { requestedById: string | null; ownerSlug: string };

async function mayChange(db: Db, service: Service, who: RunRequester): Promise<string | null> {
  if (!service.ownerTeamId) return `${service.name} has no owning team in the catalog; runbooks only change services a team owns`;
  if (who.requestedById) {
    const p: Principal | null = await loadPrincipal(db, who.requestedById);
    if (p?.isGlobalAdmin) return null;
    if (p?.teams.some((t) => t.teamId === service.ownerTeamId && atLeast(t.role, "engineer"))) return null;
    return `${p?.email ?? "the requester"} is not an engineer (or above) in the team that owns ${service.name}`;
  }
  const owner = await db.team.findUnique({ where: { slug: who.ownerSlug }, select: { id: true } });
  return owner?.id === service.ownerTeamId ? null : `scheduled runs only change services owned by the runbook's team (${who.ownerSlug})`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

function replicasLine(w: Workload): string {
  const r = w.replicas;
  return `${r.updated}/${r.desired} updated, ${r.ready} ready, ${r.available} available${r.unavailable ? `, ${r.unavailable} unavailable` : ""}`;
}

async function waitForRollout(kube: KubernetesProvider, target: Target, name: string, ctx: StepContext, deadline: number): Promise<{ ok: boolean; message: string; timedOut?: boolean }> {
  let last = "";
  while (!ctx.signal.aborted) {
    const st = await kube.rolloutStatus(target, name);
    const line = `${st.state}: ${replicasLine(st.workload)}`;
    if (line !== last) ctx.log.system(ctx.index, `  rollout ${line}`);
    last = line;
    if (st.state === "complete") return { ok: true, message: `rollout complete (${replicasLine(st.workload)})` };
    if (st.state === "failed") return { ok: false, message: `rollout failed: ${st.reason}: ${st.message}` };
    if (Date.now() >= deadline) return { ok: false, timedOut: true, message: `rollout not complete after ${Math.round(ctx.timeoutMs / 1000)} s (${replicasLine(st.workload)})` };
    await sleep(POLL_MS, ctx.signal);
  }
  return { ok: false, message: "stopped while waiting for the rollout" };
}

function podTable(pods: PodInfo[]): string {
  const rows = [["NAME", "READY", "STATUS", "RESTARTS", "NODE", "IMAGE"], ...pods.map((p) => [p.name, `${p.readyContainers}/${p.totalContainers}`, p.status, String(p.restarts), p.node ?? "-", p.images.join(",")])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

export async function runKubernetesStep(ctx: StepContext, who: RunRequester): Promise<StepOutcome> {
  const s = ctx.def;
  if (s.type !== "kubernetes") throw new Error(`not a kubernetes step: ${s.type}`);
  const render = (v: string | number | undefined) => (v === undefined ? undefined : typeof v === "number" ? v : renderValue(parseTemplate(v), ctx.scope));
  const serviceName = toText(render(s.service)).trim();
  const envName = toText(render(s.environment)).trim();
  const deadline = Date.now() + ctx.timeoutMs;
  try {
    const rt = deploysRuntime();
    const env = environmentOrThrow(rt, envName);
    const kube = kubeOrThrow(rt);
    const service = await loadService(ctx.db, serviceName);
    const target = targetOf(env);
    const result: Record<string, string | number | boolean | null | string[]> = { service: service.ref, environment: env.name, namespace: env.namespace, cluster: env.context };
    if (MUTATING.has(s.action)) {
      const refusal = await mayChange(ctx.db, service, who);
      if (refusal) return { ok: false, result, message: refusal };
    }
    const w = s.action === "pods" || s.action === "events" || s.action === "logs" ? null : await workloadOrThrow(kube, env, service);
    if (w) {
      result.workload = w.name;
      ctx.log.system(ctx.index, `${service.name} in ${env.name}: deployment ${w.name} (namespace ${env.namespace}, revision ${w.revision}, ${replicasLine(w)})`);
    }
    const auditChange = async (action: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
      appendAudit(ctx.db, { actorId: who.requestedById, actorLabel: `runbook:${ctx.runbook}`, ip: "", requestId: ctx.runId }, {
        action,
        targetType: "workload",
        targetId: `${env.name}/${w!.name}`,
        before: before as never,
        after: { entityRef: service.ref, environment: env.name, workload: w!.name, ...after } as never,
        meta: { runbookRun: ctx.runId, step: ctx.stepId },
      });
    let output = "";
    switch (s.action) {
      case "restart": {
        await kube.restart(target, w!.name);
        await auditChange("workload.restart", {}, { restartedAt: new Date().toISOString() });
        ctx.log.system(ctx.index, `restarted ${w!.name} (rollout restart)`);
        break;
      }
      case "scale": {
        const n = Number(render(s.replicas));
        if (!Number.isInteger(n) || n < 0 || n > 1000) return { ok: false, result, message: `replicas must be a whole number 0–1000, got ${JSON.stringify(toText(render(s.replicas)))}` };
        await kube.scale(target, w!.name, n);
        await auditChange("workload.scale", { replicas: w!.replicas.desired }, { replicas: n });
        ctx.log.system(ctx.index, `scaled ${w!.name} from ${w!.replicas.desired} to ${n} replicas`);
        result.replicas = n;
        break;
      }
      case "rollback": {
        const rev = s.revision === undefined ? undefined : Number(render(s.revision));
        if (rev !== undefined && (!Number.isInteger(rev) || rev < 1)) return { ok: false, result, message: "revision must be a positive whole number" };
        const undone = await kube.undo(target, w!.name, rev);
        await auditChange("workload.rollback", { revision: w!.revision }, { restoredRevision: undone.restored.revision });
        ctx.log.system(ctx.index, `rolled ${w!.name} back to revision ${undone.restored.revision} (${undone.restored.containers.map((c) => c.image).join(", ")})`);
        result.revision = undone.restored.revision;
        break;
      }
      case "status": {
        const st = await kube.rolloutStatus(target, w!.name);
        output = `${w!.name}: ${st.state} — ${replicasLine(st.workload)}\n${st.message}\n`;
        result.state = st.state;
        break;
      }
      case "pods":
      case "logs": {
        const pods = (await Promise.all(workloadSelectors(service).watchSelectors.map((sel) => kube.listPods(target, sel)))).flat();
        const unique = [...new Map(pods.map((p) => [p.name, p])).values()];
        result.pods = unique.map((p) => p.name);
        if (s.action === "pods") output = unique.length ? podTable(unique) : `no pods for ${service.name} in ${env.name}\n`;
        else {
          for (const p of unique.slice(0, MAX_LOG_PODS)) {
            if (ctx.signal.aborted) break;
            const text = await kube.podLogs(target, p.name, { tailLines: s.tailLines }).catch((e: Error) => `(logs unavailable: ${e.message})\n`);
            output += `==> ${p.name} <==\n${text}${text.endsWith("\n") ? "" : "\n"}`;
          }
          if (unique.length > MAX_LOG_PODS) output += `(${unique.length - MAX_LOG_PODS} more pods not shown)\n`;
          if (!unique.length) output = `no pods for ${service.name} in ${env.name}\n`;
        }
        break;
      }
      case "events": {
        const events = await kube.listEvents(target, { limit: 200 });
        const id = service.name;
        const mine = events.filter((e) => e.object.name.startsWith(id));
        output = (mine.length ? mine : []).map((e) => `${e.lastTimestamp ?? e.firstTimestamp ?? "-"}  ${e.type.padEnd(7)}  ${e.reason.padEnd(20)}  ${e.object.kind}/${e.object.name}  ${e.message}${e.count > 1 ? ` (×${e.count})` : ""}`).join("\n");
        output = output ? output + "\n" : `no events for ${service.name} in ${env.name}\n`;
        result.events = mine.length;
        break;
      }
    }
    if (output) {
      ctx.log.write(ctx.index, "out", output, true);
      result.output = output.slice(-64 * 1024);
    }
    if (s.saveAs && output) {
      const bytes = await saveArtifact(ctx.db, ctx.runId, ctx.index, s.saveAs, output, ctx.secrets);
      ctx.log.system(ctx.index, `artifact ${s.saveAs} stored (${bytes} bytes)`);
    }
    if (MUTATING.has(s.action) && s.wait) {
      const r = await waitForRollout(kube, target, w!.name, ctx, deadline);
      return { ok: r.ok, timedOut: r.timedOut, result, message: r.message };
    }
    return { ok: true, result, message: MUTATING.has(s.action) ? `${s.action} requested (not waiting for the rollout)` : `${s.action}: done` };
  } catch (err) {
    const message = (err as Error).message;
    ctx.log.system(ctx.index, `✗ ${message}`);
    return { ok: false, result: { service: serviceName, environment: envName, error: message }, message };
  }
}
