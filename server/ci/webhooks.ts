import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Db } from "@/server/db/client";
import { appendAudit } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { dateOrNull, jenkinsStatus, mapGithubRun, gitlabStatus, isTerminal, type CiRunInfo } from "@/server/providers/ci";
import { annotationsOf, entitiesForTarget, VERSION_ANNOTATION, type BindingConfig } from "./bindings";
import type { ExternalKind } from "./config";
import { entityTopic, systemActor, upsertExternalRuns } from "./runs";

/**
 * Inbound CI webhooks (app/api/webhooks/{github,gitlab,jenkins}): verify, refuse replays, update run status.
 *  - GitHub: HMAC-SHA256 of the raw body with the shared secret, in X-Hub-Signature-256; delivery id X-GitHub-Delivery.
 *  - GitLab: the shared token in X-Gitlab-Token; delivery id X-Gitlab-Event-UUID (or Idempotency-Key).
 *  - Jenkins (Notification plugin): the token in X-Jenkins-Token or ?token=; delivery id = job#build:phase.
 * Replay protection: each delivery id is accepted once (WebhookDelivery), and an event whose own time is older than
 * the window (OPSDECK_WEBHOOK_MAX_AGE_SECONDS) is refused, so ids need only be remembered for that long.
 * Every outcome is audited: accepted ones with the run changes in the same transaction, refused ones as "denied".
 */

export type WebhookDeps = { secret: string | null; maxAgeSeconds: number; bindings: BindingConfig; now?: () => Date };
export type WebhookRequest = { headers: Headers; body: string; url: URL };
export type WebhookResult = { status: number; message: string; runs?: number };

/** Constant-time string comparison (different lengths compare unequal without leaking where). */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

type Parsed = { deliveryId: string; event: string; target: string | null; run: CiRunInfo | null; eventTime: Date | null };

/** GitLab sends "2026-11-24 13:05:00 UTC". */
const gitlabDate = (v: unknown) => (typeof v === "string" ? dateOrNull(v.replace(/ UTC$/, "Z").replace(" ", "T")) : null);

function parseGithub(h: Headers, body: Record<string, unknown>): Parsed {
  const deliveryId = h.get("x-github-delivery") ?? "";
  const event = h.get("x-github-event") ?? "";
  if (event !== "workflow_run") return { deliveryId, event, target: null, run: null, eventTime: null };
  const wr = body.workflow_run as Parameters<typeof mapGithubRun>[0];
  const repo = (body.repository as { full_name?: string } | undefined)?.full_name ?? null;
  return { deliveryId, event, target: repo, run: mapGithubRun(wr), eventTime: dateOrNull(wr.updated_at) };
}

function parseGitlab(h: Headers, body: Record<string, unknown>): Parsed {
  const deliveryId = h.get("x-gitlab-event-uuid") ?? h.get("idempotency-key") ?? "";
  const event = h.get("x-gitlab-event") ?? "";
  if (event !== "Pipeline Hook") return { deliveryId, event, target: null, run: null, eventTime: null };
  const a = body.object_attributes as { id: number; iid?: number; name?: string | null; status: string; ref: string; sha: string; source?: string; created_at: string; finished_at?: string | null };
  const project = body.project as { path_with_namespace: string; web_url: string };
  const commit = body.commit as { message?: string; timestamp?: string } | undefined;
  const status = gitlabStatus(a.status);
  const created = gitlabDate(a.created_at) ?? new Date();
  const finished = gitlabDate(a.finished_at);
  return {
    deliveryId,
    event,
    target: project.path_with_namespace,
    eventTime: finished ?? created,
    run: {
      externalId: String(a.id),
      number: a.iid ?? null,
      pipeline: a.name || "pipeline",
      status,
      providerStatus: a.status,
      branch: a.ref,
      commitSha: a.sha,
      commitTime: dateOrNull(commit?.timestamp),
      commitMessage: commit?.message?.split("\n")[0] ?? null,
      actor: (body.user as { username?: string } | undefined)?.username ?? null,
      event: a.source ?? null,
      url: `${project.web_url}/-/pipelines/${a.id}`,
      attempt: 1,
      createdAt: created,
      startedAt: created,
      finishedAt: isTerminal(status) ? finished : null,
    },
  };
}

/** Jenkins Notification plugin payload; the job's full name comes from its URL (`job/folder/job/name/`). */
function parseJenkins(_h: Headers, body: Record<string, unknown>): Parsed {
  const b = body.build as { number: number; phase: string; status?: string; full_url?: string; url?: string; timestamp?: number; duration?: number; scm?: { branch?: string; commit?: string } };
  const jobUrl = String(body.url ?? "");
  const target = jobUrl.split("/").filter((p, i, all) => p && all[i - 1] === "job").map(decodeURIComponent).join("/") || String(body.name ?? "");
  const status = b.phase === "QUEUED" ? "queued" : b.phase === "STARTED" ? "running" : jenkinsStatus(false, b.status ?? null);
  const started = b.timestamp ? new Date(b.timestamp) : new Date();
  const finished = isTerminal(status) ? new Date(started.getTime() + (b.duration ?? 0)) : null;
  return {
    deliveryId: `${target}#${b.number}:${b.phase}`,
    event: b.phase,
    target,
    eventTime: b.timestamp ? (finished ?? started) : null,
    run: {
      externalId: `${target}#${b.number}`,
      number: b.number,
      pipeline: target,
      status,
      providerStatus: b.status ?? b.phase,
      branch: b.scm?.branch?.replace(/^origin\//, "") ?? null,
      commitSha: b.scm?.commit ?? null,
      commitTime: null,
      commitMessage: null,
      actor: null,
      event: "notification",
      url: b.full_url ?? null,
      attempt: 1,
      createdAt: started,
      startedAt: started,
      finishedAt: finished,
    },
  };
}

function verify(kind: ExternalKind, secret: string, req: WebhookRequest): string | null {
  if (kind === "github") {
    const sig = req.headers.get("x-hub-signature-256");
    if (!sig) return "missing X-Hub-Signature-256";
    return safeEqual(sig, githubSignature(secret, req.body)) ? null : "signature does not match";
  }
  const token = kind === "gitlab" ? req.headers.get("x-gitlab-token") : (req.headers.get("x-jenkins-token") ?? req.url.searchParams.get("token"));
  if (!token) return kind === "gitlab" ? "missing X-Gitlab-Token" : "missing X-Jenkins-Token";
  return safeEqual(token, secret) ? null : "token does not match";
}

const PARSERS = { github: parseGithub, gitlab: parseGitlab, jenkins: parseJenkins } as const;

export async function handleWebhook(db: Db, kind: ExternalKind, req: WebhookRequest, deps: WebhookDeps): Promise<WebhookResult> {
  const now = deps.now?.() ?? new Date();
  const actor = systemActor(`webhook:${kind}`, req.headers.get("x-github-delivery") ?? req.headers.get("x-gitlab-event-uuid") ?? `webhook-${now.getTime()}`);
  const refuse = async (status: number, message: string, meta: Record<string, string> = {}) => {
    await appendAudit(db, actor, { action: "ci.webhook.receive", outcome: "denied", targetType: "ci.webhook", targetId: kind, meta: { reason: message, ...meta } });
    return { status, message };
  };
  if (!deps.secret) return { status: 404, message: `the ${kind} webhook is not configured` };
  const bad = verify(kind, deps.secret, req);
  if (bad) return refuse(401, bad);

  let body: Record<string, unknown>;
  let parsed: Parsed;
  try {
    body = JSON.parse(req.body) as Record<string, unknown>;
    parsed = PARSERS[kind](req.headers, body);
  } catch (err) {
    return refuse(400, `malformed payload: ${(err as Error).message}`);
  }
  if (!parsed.deliveryId) return refuse(400, "missing delivery id");
  if (parsed.eventTime) {
    const age = (now.getTime() - parsed.eventTime.getTime()) / 1000;
    if (age > deps.maxAgeSeconds) return refuse(400, `stale delivery: the event is ${Math.round(age)} s old (window ${deps.maxAgeSeconds} s)`, { deliveryId: parsed.deliveryId });
    if (age < -300) return refuse(400, "the event's time lies in the future", { deliveryId: parsed.deliveryId });
  }

  const outcome = await db.$transaction(async (tx) => {
    // The primary key refuses a second delivery with the same id, even from a concurrent request.
    const fresh = await tx.webhookDelivery.createMany({ data: [{ provider: kind, deliveryId: parsed.deliveryId, event: parsed.event }], skipDuplicates: true });
    if (fresh.count === 0) return { replay: true as const };
    const refs: string[] = [];
    let runs = 0;
    if (parsed.run && parsed.target) {
      for (const ent of await entitiesForTarget(tx, deps.bindings, kind, parsed.target)) {
        const s = await upsertExternalRuns(tx, kind, parsed.target, { entityRef: ent.ref, ownerTeamId: ent.ownerTeamId, versionTemplate: annotationsOf(ent.metadata)[VERSION_ANNOTATION] }, [parsed.run]);
        runs += s.added + s.changed;
        refs.push(ent.ref);
      }
    }
    await appendAudit(tx, actor, {
      action: "ci.webhook.receive",
      targetType: "ci.webhook",
      targetId: kind,
      after: { deliveryId: parsed.deliveryId, event: parsed.event, target: parsed.target, run: parsed.run?.externalId ?? null, status: parsed.run?.status ?? null, entities: refs, changed: runs },
    });
    return { replay: false as const, refs, runs };
  });
  if (outcome.replay) return refuse(409, "replayed delivery: this delivery id was already processed", { deliveryId: parsed.deliveryId });
  for (const ref of outcome.refs) await publish(db, entityTopic(ref), { provider: kind });
  if (!parsed.run) return { status: 202, message: `event ${parsed.event || "(none)"} acknowledged; only run events change anything`, runs: 0 };
  if (!outcome.refs.length) return { status: 202, message: `no catalog entity is bound to ${parsed.target}`, runs: 0 };
  return { status: 200, message: `run ${parsed.run.externalId} is ${parsed.run.status}`, runs: outcome.runs };
}

/** Forget delivery ids older than twice the window (older events are refused by their time anyway). */
export async function pruneDeliveries(db: Db, maxAgeSeconds: number, now = new Date()): Promise<number> {
  const { count } = await db.webhookDelivery.deleteMany({ where: { receivedAt: { lt: new Date(now.getTime() - 2 * maxAgeSeconds * 1000) } } });
  return count;
}
