/**
 * The one CI interface (DESIGN "Providers"): GitHub Actions, GitLab CI, Jenkins and the built-in runner all answer the
 * same questions in the same shapes, and tests/ci-contract.test.ts runs every implementation through the same suite.
 * Providers know nothing of the catalog or the database: a "target" is the vendor's own name for the thing that runs
 * (owner/repo, group/project, Jenkins job full name, a working copy).
 */

export const CI_PROVIDERS = ["github", "gitlab", "jenkins", "builtin"] as const;
export type CiProviderKind = (typeof CI_PROVIDERS)[number];

/** Opsdeck's status words for a run, job or step (the vendor's own words are kept in `providerStatus`). */
export const CI_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted", "skipped"] as const;
export type CiStatus = (typeof CI_STATUSES)[number];
export const TERMINAL_CI_STATUSES: readonly CiStatus[] = ["succeeded", "failed", "cancelled", "timed_out", "interrupted", "skipped"];
export const isTerminal = (s: CiStatus) => TERMINAL_CI_STATUSES.includes(s);

export type CiRunInfo = {
  /** The provider's id of the run, as a string (GitHub run id, GitLab pipeline id, Jenkins `job#number`, built-in row id). */
  externalId: string;
  number: number | null;
  /** Workflow, pipeline or job name. */
  pipeline: string;
  status: CiStatus;
  providerStatus: string;
  branch: string | null;
  commitSha: string | null;
  commitTime: Date | null;
  commitMessage: string | null;
  actor: string | null;
  /** What started it: push, workflow_dispatch, web, timer, … */
  event: string | null;
  url: string | null;
  attempt: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The version a successful build produced, when the provider knows it (the built-in runner does). */
  version?: string | null;
};

export type CiStep = { name: string; number: number; status: CiStatus; startedAt: Date | null; finishedAt: Date | null };
export type CiJob = {
  id: string;
  name: string;
  /** GitLab stage / built-in stage; null where the vendor has none. */
  stage: string | null;
  status: CiStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  url: string | null;
  steps: CiStep[];
};
export type CiRunDetail = CiRunInfo & { jobs: CiJob[] };

export type CiInput = { name: string; description: string; required: boolean; default: string | null; options: string[] | null };
/** Something that can be started: a GitHub workflow, the GitLab project pipeline, a Jenkins job, a built-in pipeline file. */
export type CiPipelineInfo = { id: string; name: string; path: string | null; triggerable: boolean; inputs: CiInput[]; url: string | null };

export type TriggerRequest = { pipeline: string; ref: string; inputs: Record<string, string> };
/** A trigger or re-run was accepted. Some vendors queue it without telling the run id (GitHub workflow_dispatch). */
export type TriggerResult = { accepted: true; externalId: string | null; url: string | null; message: string };

export type CiLog = { url: string | null; text: string | null; truncated: boolean };

export interface CiProvider {
  readonly kind: CiProviderKind;
  /** "GitHub Actions", "GitLab CI", "Jenkins", "Built-in runner". */
  readonly label: string;
  listPipelines(target: string): Promise<CiPipelineInfo[]>;
  /** Most recent runs first, following the vendor's pagination until `limit` runs or the end. */
  listRuns(target: string, opts: { limit: number }): Promise<CiRunInfo[]>;
  getRun(target: string, externalId: string): Promise<CiRunDetail>;
  trigger(target: string, req: TriggerRequest): Promise<TriggerResult>;
  rerun(target: string, externalId: string): Promise<TriggerResult>;
  logs(target: string, externalId: string): Promise<CiLog>;
  /** Commit time and title, for vendors whose run lists lack them (DORA lead time needs the commit time). */
  commit?(target: string, sha: string): Promise<{ time: Date | null; message: string | null }>;
}

/** Why a provider call failed, in words a person can act on (shown in the UI as is). */
export class CiProviderError extends Error {
  constructor(
    message: string,
    readonly kind: "auth" | "rate_limit" | "not_found" | "bad_request" | "unavailable",
    readonly provider: CiProviderKind,
    /** rate_limit: when the vendor said to come back. */
    readonly retryAt: Date | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "CiProviderError";
  }
}

/** Shared wording for failed calls, so every provider explains the same situation the same way. */
export function describeFailure(provider: CiProviderKind, label: string, status: number, detail: string, credentialHint: string, retryAt: Date | null = null): CiProviderError {
  const said = detail ? ` (${status} ${detail.trim().slice(0, 200)})` : ` (${status})`;
  if (status === 401) return new CiProviderError(`${label} rejected the credentials${said}: check ${credentialHint}`, "auth", provider, null, status);
  if (status === 403 && !retryAt) return new CiProviderError(`${label} refused access${said}: the credentials in ${credentialHint} lack permission for this`, "auth", provider, null, status);
  if (status === 429 || (status === 403 && retryAt)) {
    const when = retryAt ? ` until ${retryAt.toISOString()}` : "";
    return new CiProviderError(`${label} rate limit reached${when}; Opsdeck will try again later`, "rate_limit", provider, retryAt, status);
  }
  if (status === 404) return new CiProviderError(`${label} does not know this${said}: check the annotation or job name`, "not_found", provider, null, status);
  if (status >= 400 && status < 500) return new CiProviderError(`${label} refused the request${said}`, "bad_request", provider, null, status);
  return new CiProviderError(`${label} is unavailable${said}`, "unavailable", provider, null, status);
}

/** The short version label for a commit (image tags are commonly the first 7 hex digits). */
export const shortSha = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : null);

export const dateOrNull = (v: string | number | null | undefined): Date | null => {
  if (v === null || v === undefined || v === "") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
