import { retryAtOf, retryingFetch, type RetryOptions } from "./http";
import {
  CiProviderError,
  describeFailure,
  type CiInput,
  type CiLog,
  type CiPipelineInfo,
  type CiProvider,
  type CiRunDetail,
  type CiRunInfo,
  type CiStatus,
  type TriggerRequest,
  type TriggerResult,
} from "./types";

export type JenkinsConfig = {
  url: string;
  user: string;
  apiToken: string;
  retry?: RetryOptions;
  /** Most console text kept (the end of it), default 512 KiB. */
  maxLogBytes?: number;
  /** Builds per request (default 50). */
  pageSize?: number;
};

export function jenkinsStatus(building: boolean, result: string | null | undefined): CiStatus {
  if (building) return "running";
  switch (result) {
    case "SUCCESS":
      return "succeeded";
    case "FAILURE":
    case "UNSTABLE":
      return "failed";
    case "ABORTED":
      return "cancelled";
    case "NOT_BUILT":
      return "skipped";
    default:
      return "queued";
  }
}

/** The fields of a build Opsdeck asks for (the `tree` parameter below). */
type JBuild = {
  number: number;
  url: string;
  result: string | null;
  building: boolean;
  timestamp: number;
  duration: number;
  displayName?: string;
  actions?: ({
    _class?: string;
    lastBuiltRevision?: { SHA1: string; branch?: { name: string }[] };
    causes?: { userId?: string | null; userName?: string; shortDescription?: string; _class?: string }[];
    parameters?: { name: string; value: unknown }[];
  } | null)[];
  changeSets?: { items?: { commitId: string; msg: string; timestamp: number }[] }[];
};

const BUILD_TREE =
  "number,url,result,building,timestamp,duration,displayName," +
  "actions[lastBuiltRevision[SHA1,branch[name]],causes[userId,userName,shortDescription],parameters[name,value]]," +
  "changeSets[items[commitId,msg,timestamp]]";

/** `folder/sub/job` → `/job/folder/job/sub/job/job`. */
export function jobPath(fullName: string): string {
  const parts = fullName.split("/").filter(Boolean);
  if (!parts.length) throw new CiProviderError(`"${fullName}" is not a Jenkins job name (jenkins.io/job-full-name)`, "bad_request", "jenkins");
  return parts.map((p) => `/job/${encodeURIComponent(p)}`).join("");
}

/** Jenkins build numbers repeat across jobs, so the run id carries the job: `folder/job#42`. */
export const jenkinsRunId = (job: string, n: number) => `${job}#${n}`;
function buildNumber(externalId: string): number {
  const n = Number(externalId.slice(externalId.lastIndexOf("#") + 1));
  if (!Number.isInteger(n) || n < 1) throw new CiProviderError(`"${externalId}" is not a Jenkins build`, "bad_request", "jenkins");
  return n;
}

export function mapJenkinsBuild(job: string, b: JBuild): CiRunInfo {
  const actions = (b.actions ?? []).filter((a): a is NonNullable<typeof a> => Boolean(a));
  const rev = actions.find((a) => a.lastBuiltRevision)?.lastBuiltRevision;
  const cause = actions.flatMap((a) => a.causes ?? [])[0];
  const commit = (b.changeSets ?? []).flatMap((c) => c.items ?? []).find((i) => i.commitId === rev?.SHA1);
  const status = jenkinsStatus(b.building, b.result);
  return {
    externalId: jenkinsRunId(job, b.number),
    number: b.number,
    pipeline: job,
    status,
    providerStatus: b.building ? "BUILDING" : (b.result ?? "QUEUED"),
    branch: rev?.branch?.[0]?.name?.replace(/^(refs\/remotes\/)?origin\//, "") ?? null,
    commitSha: rev?.SHA1 ?? null,
    commitTime: commit ? new Date(commit.timestamp) : null,
    commitMessage: commit?.msg ?? null,
    actor: cause?.userId ?? cause?.userName ?? null,
    event: cause?.shortDescription ?? null,
    url: b.url,
    attempt: 1,
    createdAt: new Date(b.timestamp),
    startedAt: new Date(b.timestamp),
    finishedAt: b.building || !b.result ? null : new Date(b.timestamp + b.duration),
  };
}

export class JenkinsProvider implements CiProvider {
  readonly kind = "jenkins" as const;
  readonly label = "Jenkins";
  private readonly base: string;
  private readonly auth: string;
  private readonly send: typeof fetch;
  private crumb: { header: string; value: string; cookie: string | null } | null | undefined;

  constructor(private readonly cfg: JenkinsConfig) {
    this.base = cfg.url.replace(/\/+$/, "");
    this.auth = `Basic ${Buffer.from(`${cfg.user}:${cfg.apiToken}`).toString("base64")}`;
    this.send = retryingFetch(cfg.retry);
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await this.send(`${this.base}${path}`, { ...init, headers: { authorization: this.auth, ...(init.headers as Record<string, string>) } }).catch((err: Error) => {
      throw new CiProviderError(`Jenkins is unreachable: ${err.message}`, "unavailable", "jenkins");
    });
    if (res.ok || (res.status >= 300 && res.status < 400)) return res;
    const text = await res.text().catch(() => "");
    // Jenkins answers errors with an HTML page; the first line of text is the useful part.
    const detail = text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 160);
    throw describeFailure("jenkins", this.label, res.status, detail, "OPSDECK_JENKINS_USER / OPSDECK_JENKINS_API_TOKEN", res.status === 429 || res.status === 503 ? retryAtOf(res.headers) : null);
  }

  private async json<T>(path: string): Promise<T> {
    return (await (await this.request(path, { headers: { accept: "application/json" } })).json()) as T;
  }

  /** CSRF protection: POSTs carry a crumb from /crumbIssuer (and the session cookie it was issued to). */
  private async crumbHeaders(refresh = false): Promise<Record<string, string>> {
    if (this.crumb === undefined || refresh) {
      try {
        const res = await this.request("/crumbIssuer/api/json", { headers: { accept: "application/json" } });
        const c = (await res.json()) as { crumb: string; crumbRequestField: string };
        this.crumb = { header: c.crumbRequestField, value: c.crumb, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? null };
      } catch (err) {
        // 404: CSRF protection is off on this Jenkins; anything else is a real failure.
        if (err instanceof CiProviderError && err.kind === "not_found") this.crumb = null;
        else throw err;
      }
    }
    if (!this.crumb) return {};
    return { [this.crumb.header]: this.crumb.value, ...(this.crumb.cookie ? { cookie: this.crumb.cookie } : {}) };
  }

  private async post(path: string, body?: URLSearchParams): Promise<Response> {
    const attempt = async (refresh: boolean) =>
      this.request(path, { method: "POST", body, headers: { ...(await this.crumbHeaders(refresh)), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) } });
    try {
      return await attempt(false);
    } catch (err) {
      // An expired crumb (its session ended) is a 403 "No valid crumb": fetch a new one once.
      if (err instanceof CiProviderError && err.status === 403 && /crumb/i.test(err.message)) return attempt(true);
      throw err;
    }
  }

  async listPipelines(target: string): Promise<CiPipelineInfo[]> {
    const job = await this.json<{
      fullName?: string;
      name: string;
      url: string;
      buildable?: boolean;
      property?: { parameterDefinitions?: { name: string; type?: string; description?: string; defaultParameterValue?: { value?: unknown } | null; choices?: string[] }[] }[];
    }>(`${jobPath(target)}/api/json?tree=name,fullName,url,buildable,property[parameterDefinitions[name,type,description,choices,defaultParameterValue[value]]]`);
    const inputs: CiInput[] = (job.property ?? []).flatMap((p) => p.parameterDefinitions ?? []).map((d) => ({
      name: d.name,
      description: d.description ?? "",
      required: false,
      default: d.defaultParameterValue?.value === undefined || d.defaultParameterValue.value === null ? null : String(d.defaultParameterValue.value),
      options: d.choices ?? null,
    }));
    return [{ id: job.fullName ?? target, name: job.fullName ?? job.name, path: null, triggerable: job.buildable !== false, inputs, url: job.url }];
  }

  async listRuns(target: string, opts: { limit: number }): Promise<CiRunInfo[]> {
    const out: CiRunInfo[] = [];
    const page = Math.min(this.cfg.pageSize ?? 50, Math.max(1, opts.limit));
    // Jenkins pages with a range on the tree: builds[…]{from,to}.
    for (let from = 0; out.length < opts.limit; from += page) {
      const to = from + Math.min(page, opts.limit - out.length);
      const res = await this.json<{ builds?: JBuild[] }>(`${jobPath(target)}/api/json?tree=${encodeURIComponent(`builds[${BUILD_TREE}]{${from},${to}}`)}`);
      const builds = res.builds ?? [];
      out.push(...builds.map((b) => mapJenkinsBuild(target, b)));
      if (builds.length < to - from) break;
    }
    return out.slice(0, opts.limit);
  }

  async getRun(target: string, externalId: string): Promise<CiRunDetail> {
    const n = buildNumber(externalId);
    const b = await this.json<JBuild>(`${jobPath(target)}/${n}/api/json?tree=${encodeURIComponent(BUILD_TREE)}`);
    const run = mapJenkinsBuild(target, b);
    return { ...run, jobs: [{ id: String(n), name: `${target} #${n}`, stage: null, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, url: b.url, steps: [] }] };
  }

  async trigger(target: string, req: TriggerRequest): Promise<TriggerResult> {
    const params = new URLSearchParams(req.inputs);
    // Jobs with parameters take buildWithParameters; the git branch, when the job declares one, is just a parameter.
    const [pipeline] = await this.listPipelines(target);
    const declared = new Set(pipeline?.inputs.map((i) => i.name) ?? []);
    for (const name of ["BRANCH", "GIT_BRANCH", "ref"]) if (declared.has(name) && !params.has(name) && req.ref) params.set(name, req.ref);
    const res = declared.size ? await this.post(`${jobPath(target)}/buildWithParameters`, params) : await this.post(`${jobPath(target)}/build`);
    const queue = res.headers.get("location");
    return { accepted: true, externalId: null, url: queue, message: `build of ${target} queued${queue ? ` (${queue})` : ""}` };
  }

  async rerun(target: string, externalId: string): Promise<TriggerResult> {
    // Jenkins has no re-run: build again with the same parameters.
    const b = await this.json<JBuild>(`${jobPath(target)}/${buildNumber(externalId)}/api/json?tree=${encodeURIComponent("actions[parameters[name,value]]")}`);
    const inputs = Object.fromEntries((b.actions ?? []).flatMap((a) => a?.parameters ?? []).map((p) => [p.name, String(p.value ?? "")]));
    return this.trigger(target, { pipeline: target, ref: "", inputs });
  }

  async logs(target: string, externalId: string): Promise<CiLog> {
    const n = buildNumber(externalId);
    const text = await (await this.request(`${jobPath(target)}/${n}/consoleText`)).text();
    const max = this.cfg.maxLogBytes ?? 512 * 1024;
    const truncated = text.length > max;
    return { url: `${this.base}${jobPath(target)}/${n}/console`, text: truncated ? text.slice(-max) : text, truncated };
  }
}
