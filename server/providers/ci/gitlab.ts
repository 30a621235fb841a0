import { Commits, Jobs, Pipelines } from "@gitbeaker/rest";
import { createRequesterFn, type FormattedResponse, type RequestHandlerFn } from "@gitbeaker/requester-utils";
import { retryAtOf, retryingFetch, type RetryOptions } from "./http";
import {
  CiProviderError,
  dateOrNull,
  describeFailure,
  type CiLog,
  type CiPipelineInfo,
  type CiProvider,
  type CiRunDetail,
  type CiRunInfo,
  type CiStatus,
  type TriggerRequest,
  type TriggerResult,
} from "./types";

export type GitLabConfig = {
  /** https://gitlab.com or a self-hosted instance. */
  url: string;
  token: string;
  retry?: RetryOptions;
  /** Pipelines per page (GitLab's maximum and default here: 100). */
  pageSize?: number;
};

/** GitLab pipeline/job status → Opsdeck's status. */
export function gitlabStatus(s: string): CiStatus {
  switch (s) {
    case "success":
      return "succeeded";
    case "failed":
      return "failed";
    case "canceled":
    case "canceling":
      return "cancelled";
    case "skipped":
      return "skipped";
    case "running":
      return "running";
    default:
      return "queued"; // created, waiting_for_resource, preparing, pending, manual, scheduled
  }
}

const TERMINAL = new Set(["success", "failed", "canceled", "skipped"]);

type GlPipeline = {
  id: number;
  iid?: number;
  sha: string;
  ref: string;
  status: string;
  source?: string;
  created_at: string;
  updated_at: string;
  web_url: string;
  name?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  committed_at?: string | null;
  user?: { username?: string } | null;
};

export function mapGitlabPipeline(p: GlPipeline): CiRunInfo {
  const done = TERMINAL.has(p.status);
  return {
    externalId: String(p.id),
    number: p.iid ?? null,
    pipeline: p.name || "pipeline",
    status: gitlabStatus(p.status),
    providerStatus: p.status,
    branch: p.ref,
    commitSha: p.sha,
    commitTime: dateOrNull(p.committed_at),
    commitMessage: null,
    actor: p.user?.username ?? null,
    event: p.source ?? null,
    url: p.web_url,
    attempt: 1,
    createdAt: new Date(p.created_at),
    // The list endpoint has no started/finished times: created/updated stand in until the detail is read.
    startedAt: p.status === "running" || done ? dateOrNull(p.started_at ?? p.created_at) : null,
    finishedAt: done ? dateOrNull(p.finished_at ?? p.updated_at) : null,
  };
}

/** gitbeaker's requests, sent through Opsdeck's fetch (Retry-After honoured) with vendor errors kept readable. */
function requester(retry: RetryOptions | undefined) {
  const send = retryingFetch(retry);
  const handler: RequestHandlerFn = async (endpoint, options = {}) => {
    const o = options as { prefixUrl?: string; searchParams?: string; method?: string; headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal };
    const base = o.prefixUrl ? (o.prefixUrl.endsWith("/") ? o.prefixUrl : `${o.prefixUrl}/`) : undefined;
    const url = new URL(endpoint, base);
    url.search = o.searchParams ?? "";
    const res = await send(url, { method: o.method, headers: o.headers, body: o.body, signal: o.signal }).catch((err: Error) => {
      throw new CiProviderError(`GitLab CI is unreachable: ${err.message}`, "unavailable", "gitlab");
    });
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const body = res.status === 204 ? null : type === "application/json" ? await res.json() : await res.text();
    if (!res.ok) {
      const detail = typeof body === "string" ? body : String((body as { message?: unknown; error?: unknown })?.message ?? (body as { error?: unknown })?.error ?? "");
      throw describeFailure("gitlab", "GitLab CI", res.status, detail, "OPSDECK_GITLAB_TOKEN", res.status === 429 ? retryAtOf(res.headers) : null);
    }
    return { body, headers: Object.fromEntries(res.headers.entries()), status: res.status } as FormattedResponse;
  };
  return createRequesterFn((_, opts) => Promise.resolve(opts), handler);
}

export class GitLabCiProvider implements CiProvider {
  readonly kind = "gitlab" as const;
  readonly label = "GitLab CI";
  private readonly pipelines: InstanceType<typeof Pipelines>;
  private readonly jobs: InstanceType<typeof Jobs>;
  private readonly commits: InstanceType<typeof Commits>;
  private readonly web: string;
  private readonly pageSize: number;

  constructor(cfg: GitLabConfig) {
    this.pageSize = cfg.pageSize ?? 100;
    const opts = { host: cfg.url, token: cfg.token, requesterFn: requester(cfg.retry) };
    this.pipelines = new Pipelines(opts);
    this.jobs = new Jobs(opts);
    this.commits = new Commits(opts);
    this.web = cfg.url.replace(/\/+$/, "");
  }

  async listPipelines(target: string): Promise<CiPipelineInfo[]> {
    // A GitLab project has one pipeline definition (.gitlab-ci.yml); variables are free-form.
    return [{ id: ".gitlab-ci.yml", name: "Project pipeline", path: ".gitlab-ci.yml", triggerable: true, inputs: [], url: `${this.web}/${target}/-/pipelines` }];
  }

  async listRuns(target: string, opts: { limit: number }): Promise<CiRunInfo[]> {
    const perPage = Math.min(this.pageSize, Math.max(1, opts.limit));
    // gitbeaker follows GitLab's offset pagination (x-next-page / Link) for up to maxPages pages.
    const list = (await this.pipelines.all(target, { perPage, maxPages: Math.ceil(opts.limit / perPage), orderBy: "id", sort: "desc" })) as unknown as GlPipeline[];
    return list.slice(0, opts.limit).map(mapGitlabPipeline);
  }

  async getRun(target: string, externalId: string): Promise<CiRunDetail> {
    const id = Number(externalId);
    const [p, jobs] = await Promise.all([this.pipelines.show(target, id), this.jobs.all(target, { pipelineId: id, perPage: 100, maxPages: 5 })]);
    return {
      ...mapGitlabPipeline(p as unknown as GlPipeline),
      jobs: (jobs as unknown as { id: number; name: string; stage: string; status: string; started_at?: string | null; finished_at?: string | null; web_url: string }[]).map((j) => ({
        id: String(j.id),
        name: j.name,
        stage: j.stage,
        status: gitlabStatus(j.status),
        startedAt: dateOrNull(j.started_at),
        finishedAt: dateOrNull(j.finished_at),
        url: j.web_url,
        steps: [],
      })),
    };
  }

  async trigger(target: string, req: TriggerRequest): Promise<TriggerResult> {
    const variables = Object.entries(req.inputs).map(([key, value]) => ({ key, value }));
    const p = (await this.pipelines.create(target, req.ref, { variables })) as unknown as GlPipeline;
    return { accepted: true, externalId: String(p.id), url: p.web_url, message: `pipeline ${p.id} created on ${req.ref}` };
  }

  async rerun(target: string, externalId: string): Promise<TriggerResult> {
    const p = (await this.pipelines.retry(target, Number(externalId))) as unknown as GlPipeline;
    return { accepted: true, externalId: String(p.id), url: p.web_url, message: `failed jobs of pipeline ${p.id} retried` };
  }

  async logs(target: string, externalId: string): Promise<CiLog> {
    return { url: `${this.web}/${target}/-/pipelines/${externalId}`, text: null, truncated: false };
  }

  async commit(target: string, sha: string) {
    const c = (await this.commits.show(target, sha)) as unknown as { committed_date?: string; title?: string };
    return { time: dateOrNull(c.committed_date), message: c.title ?? null };
  }
}
