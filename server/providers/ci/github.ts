import { Octokit } from "@octokit/rest";
import { createAppAuth } from "@octokit/auth-app";
import { parse as parseYaml } from "yaml";
import { retryAtOf, retryingFetch, type RetryOptions } from "./http";
import {
  CiProviderError,
  dateOrNull,
  describeFailure,
  type CiInput,
  type CiJob,
  type CiLog,
  type CiPipelineInfo,
  type CiProvider,
  type CiRunDetail,
  type CiRunInfo,
  type CiStatus,
  type TriggerRequest,
  type TriggerResult,
} from "./types";

/** Token, or GitHub App credentials (an installation token is minted and renewed by @octokit/auth-app). */
export type GitHubAuth = { token: string } | { appId: string; privateKey: string; installationId: number };
export type GitHubConfig = {
  auth: GitHubAuth;
  /** https://api.github.com, or GitHub Enterprise Server's https://HOST/api/v3. */
  baseUrl?: string;
  retry?: RetryOptions;
  /** Runs per page (GitHub's maximum and default here: 100). */
  pageSize?: number;
};

/** GitHub's status + conclusion pair → Opsdeck's status. */
export function githubStatus(status: string | null | undefined, conclusion: string | null | undefined): CiStatus {
  if (status !== "completed") return status === "in_progress" ? "running" : "queued";
  switch (conclusion) {
    case "success":
    case "neutral":
      return "succeeded";
    case "cancelled":
      return "cancelled";
    case "skipped":
      return "skipped";
    case "timed_out":
      return "timed_out";
    case "stale":
      return "interrupted";
    default:
      return "failed"; // failure, startup_failure, action_required
  }
}

/** The fields of a workflow run Opsdeck reads (REST "Get a workflow run" / "List workflow runs for a repository"). */
type GhRun = {
  id: number;
  name?: string | null;
  run_number: number;
  run_attempt?: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  head_branch: string | null;
  head_sha: string;
  html_url: string;
  created_at: string;
  run_started_at?: string;
  updated_at: string;
  actor?: { login: string } | null;
  triggering_actor?: { login: string } | null;
  head_commit?: { id: string; message: string; timestamp: string } | null;
};

export function mapGithubRun(r: GhRun): CiRunInfo {
  const status = githubStatus(r.status, r.conclusion);
  const done = status !== "queued" && status !== "running";
  return {
    externalId: String(r.id),
    number: r.run_number,
    pipeline: r.name ?? "workflow",
    status,
    providerStatus: r.conclusion ? `${r.status}/${r.conclusion}` : (r.status ?? ""),
    branch: r.head_branch,
    commitSha: r.head_sha,
    commitTime: dateOrNull(r.head_commit?.timestamp),
    commitMessage: r.head_commit?.message?.split("\n")[0] ?? null,
    actor: r.triggering_actor?.login ?? r.actor?.login ?? null,
    event: r.event,
    url: r.html_url,
    attempt: r.run_attempt ?? 1,
    createdAt: new Date(r.created_at),
    // A queued run has not started, whatever run_started_at says (GitHub fills it at creation).
    startedAt: status === "queued" ? null : dateOrNull(r.run_started_at ?? r.created_at),
    finishedAt: done ? dateOrNull(r.updated_at) : null,
  };
}

/** `on.workflow_dispatch.inputs` of a workflow file; null when the workflow cannot be dispatched. */
export function dispatchInputs(workflowYaml: string): CiInput[] | null {
  let doc: unknown;
  try {
    doc = parseYaml(workflowYaml);
  } catch {
    return null;
  }
  const on = (doc as { on?: unknown } | null)?.on;
  if (on === "workflow_dispatch") return [];
  if (Array.isArray(on)) return on.includes("workflow_dispatch") ? [] : null;
  if (!on || typeof on !== "object" || !("workflow_dispatch" in on)) return null;
  const inputs = ((on as Record<string, { inputs?: Record<string, Record<string, unknown>> } | null>).workflow_dispatch?.inputs ?? {}) as Record<string, Record<string, unknown> | null>;
  return Object.entries(inputs).map(([name, spec]) => ({
    name,
    description: String(spec?.description ?? ""),
    required: spec?.required === true,
    default: spec?.default === undefined || spec.default === null ? null : String(spec.default),
    options: Array.isArray(spec?.options) ? spec.options.map(String) : null,
  }));
}

function splitSlug(target: string): { owner: string; repo: string } {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(target.trim());
  if (!m) throw new CiProviderError(`"${target}" is not an owner/repo slug (github.com/project-slug)`, "bad_request", "github");
  return { owner: m[1]!, repo: m[2]! };
}

export class GitHubActionsProvider implements CiProvider {
  readonly kind = "github" as const;
  readonly label = "GitHub Actions";
  private readonly octokit: Octokit;
  private readonly hint: string;
  private readonly pageSize: number;

  constructor(cfg: GitHubConfig) {
    this.pageSize = cfg.pageSize ?? 100;
    const request = { fetch: retryingFetch(cfg.retry) };
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const common = { baseUrl: cfg.baseUrl ?? "https://api.github.com", request, userAgent: "opsdeck", log: quiet };
    if ("token" in cfg.auth) {
      this.octokit = new Octokit({ ...common, auth: cfg.auth.token });
      this.hint = "OPSDECK_GITHUB_TOKEN";
    } else {
      this.octokit = new Octokit({ ...common, authStrategy: createAppAuth, auth: { ...cfg.auth } });
      this.hint = "OPSDECK_GITHUB_APP_ID / OPSDECK_GITHUB_APP_PRIVATE_KEY / OPSDECK_GITHUB_APP_INSTALLATION_ID";
    }
  }

  /** Octokit's RequestError → a CiProviderError with the vendor's message. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CiProviderError) throw err;
      const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string>; data?: { message?: string } } };
      if (typeof e.status !== "number") throw new CiProviderError(`GitHub Actions is unreachable: ${e.message ?? String(err)}`, "unavailable", "github");
      const headers = new Headers(Object.entries(e.response?.headers ?? {}).map(([k, v]) => [k, String(v)] as [string, string]));
      const retryAt = e.status === 429 || e.status === 403 ? retryAtOf(headers) : null;
      throw describeFailure("github", this.label, e.status, e.response?.data?.message ?? "", this.hint, retryAt);
    }
  }

  async listPipelines(target: string): Promise<CiPipelineInfo[]> {
    const { owner, repo } = splitSlug(target);
    const res = await this.call(() => this.octokit.rest.actions.listRepoWorkflows({ owner, repo, per_page: 100 }));
    return Promise.all(
      res.data.workflows.map(async (w) => {
        // Dispatchable? Read the workflow file: its `on.workflow_dispatch.inputs` are the trigger form's fields.
        let inputs: CiInput[] | null = null;
        if (w.state === "active" && /\.ya?ml$/.test(w.path)) {
          const file = await this.call(() => this.octokit.rest.repos.getContent({ owner, repo, path: w.path })).catch(() => null);
          const data = file?.data as { content?: string; encoding?: string } | undefined;
          if (data?.content) inputs = dispatchInputs(Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString("utf8"));
        }
        return { id: String(w.id), name: w.name, path: w.path, triggerable: w.state === "active" && inputs !== null, inputs: inputs ?? [], url: w.html_url };
      }),
    );
  }

  async listRuns(target: string, opts: { limit: number }): Promise<CiRunInfo[]> {
    const { owner, repo } = splitSlug(target);
    const out: CiRunInfo[] = [];
    const perPage = Math.min(this.pageSize, Math.max(1, opts.limit));
    // Follows the Link: rel="next" headers page by page, stopping as soon as `limit` runs are in hand.
    const pages = this.octokit.paginate.iterator(this.octokit.rest.actions.listWorkflowRunsForRepo, { owner, repo, per_page: perPage });
    await this.call(async () => {
      for await (const page of pages) {
        for (const r of page.data as GhRun[]) {
          out.push(mapGithubRun(r));
          if (out.length >= opts.limit) return;
        }
      }
    });
    return out;
  }

  async getRun(target: string, externalId: string): Promise<CiRunDetail> {
    const { owner, repo } = splitSlug(target);
    const run_id = Number(externalId);
    const [run, jobs] = await Promise.all([
      this.call(() => this.octokit.rest.actions.getWorkflowRun({ owner, repo, run_id })),
      this.call(() => this.octokit.paginate(this.octokit.rest.actions.listJobsForWorkflowRun, { owner, repo, run_id, per_page: 100 })),
    ]);
    return {
      ...mapGithubRun(run.data as GhRun),
      jobs: jobs.map(
        (j): CiJob => ({
          id: String(j.id),
          name: j.name,
          stage: null,
          status: githubStatus(j.status, j.conclusion),
          startedAt: dateOrNull(j.started_at),
          finishedAt: dateOrNull(j.completed_at),
          url: j.html_url ?? null,
          steps: (j.steps ?? []).map((s) => ({ name: s.name, number: s.number, status: githubStatus(s.status, s.conclusion), startedAt: dateOrNull(s.started_at), finishedAt: dateOrNull(s.completed_at) })),
        }),
      ),
    };
  }

  async trigger(target: string, req: TriggerRequest): Promise<TriggerResult> {
    const { owner, repo } = splitSlug(target);
    // workflow_id takes the numeric id or the file name; the API answers 204 without telling the new run's id.
    const workflow_id = /^\d+$/.test(req.pipeline) ? Number(req.pipeline) : req.pipeline.replace(/^\.github\/workflows\//, "");
    await this.call(() => this.octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id, ref: req.ref, inputs: req.inputs }));
    return { accepted: true, externalId: null, url: `https://github.com/${owner}/${repo}/actions`, message: `workflow_dispatch of ${req.pipeline} on ${req.ref} accepted; the run appears with the next update` };
  }

  async rerun(target: string, externalId: string): Promise<TriggerResult> {
    const { owner, repo } = splitSlug(target);
    await this.call(() => this.octokit.rest.actions.reRunWorkflow({ owner, repo, run_id: Number(externalId) }));
    return { accepted: true, externalId, url: null, message: `re-run of run ${externalId} requested (a new attempt of the same run)` };
  }

  async logs(target: string, externalId: string): Promise<CiLog> {
    const run = await this.getRun(target, externalId);
    // GitHub serves logs as a zip archive behind a redirect; the run page is what a person wants.
    return { url: run.url, text: null, truncated: false };
  }
}
