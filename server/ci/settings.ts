import { z } from "zod";

// Configuration shapes of the CI integrations (parsed in server/env.ts; documented in docs/ci-cloud.md and README).

/** Per-entity CI bindings from config, for entities whose descriptors lack the annotations (keyed by entity name or ref). */
export const ciBindingsSetting = z.record(
  z.string().min(1),
  z
    .object({
      github: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "owner/repo").optional(),
      gitlab: z.string().min(1).optional(),
      jenkins: z.string().min(1).optional(),
      workdir: z.string().min(1).optional(),
    })
    .strict(),
);
export type CiBindingsSetting = z.output<typeof ciBindingsSetting>;

/** A 5-field cron expression (graphile-worker's crontab syntax) or "off". */
export const cronOrOff = (fallback: string) =>
  z
    .string()
    .trim()
    .regex(/^(off|(\S+\s+){4}\S+)$/, 'must be a 5-field cron expression like "*/15 * * * *", or "off"')
    .default(fallback);

type CiEnv = Partial<Record<
  | "OPSDECK_GITHUB_TOKEN" | "OPSDECK_GITHUB_APP_ID" | "OPSDECK_GITHUB_APP_PRIVATE_KEY" | "OPSDECK_GITHUB_APP_INSTALLATION_ID"
  | "OPSDECK_GITLAB_URL" | "OPSDECK_GITLAB_TOKEN" | "OPSDECK_JENKINS_URL" | "OPSDECK_JENKINS_USER" | "OPSDECK_JENKINS_API_TOKEN",
  string | undefined
>>;

/** Settings that only make sense together; the message names the variables. Null when consistent. */
export function ciConfigProblem(e: CiEnv): string | null {
  const app = [e.OPSDECK_GITHUB_APP_ID, e.OPSDECK_GITHUB_APP_PRIVATE_KEY, e.OPSDECK_GITHUB_APP_INSTALLATION_ID];
  if (app.some(Boolean) && !app.every(Boolean)) return "OPSDECK_GITHUB_APP_ID, OPSDECK_GITHUB_APP_PRIVATE_KEY, OPSDECK_GITHUB_APP_INSTALLATION_ID: give all three for GitHub App credentials";
  if (e.OPSDECK_GITHUB_TOKEN && app.every(Boolean)) return "OPSDECK_GITHUB_TOKEN: give a token or GitHub App credentials, not both";
  if (Boolean(e.OPSDECK_GITLAB_URL) !== Boolean(e.OPSDECK_GITLAB_TOKEN)) return "OPSDECK_GITLAB_URL, OPSDECK_GITLAB_TOKEN: give both or neither";
  const jenkins = [e.OPSDECK_JENKINS_URL, e.OPSDECK_JENKINS_USER, e.OPSDECK_JENKINS_API_TOKEN];
  if (jenkins.some(Boolean) && !jenkins.every(Boolean)) return "OPSDECK_JENKINS_URL, OPSDECK_JENKINS_USER, OPSDECK_JENKINS_API_TOKEN: give all three or none";
  return null;
}
