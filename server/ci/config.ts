import path from "node:path";
import type { Env } from "@/server/env";
import { GitHubActionsProvider, GitLabCiProvider, JenkinsProvider, type CiProvider, type CiProviderKind } from "@/server/providers/ci";

/** The demo working copies shipped in the repository (resolved from the working directory, like the demo catalog). */
export const DEMO_WORKDIR_ROOT = path.resolve(process.cwd(), "demo/workdirs");

export type ExternalKind = Exclude<CiProviderKind, "builtin">;
export const EXTERNAL_KINDS: readonly ExternalKind[] = ["github", "gitlab", "jenkins"];

type CiEnv = Pick<
  Env,
  | "OPSDECK_GITHUB_API_URL" | "OPSDECK_GITHUB_TOKEN" | "OPSDECK_GITHUB_APP_ID" | "OPSDECK_GITHUB_APP_PRIVATE_KEY" | "OPSDECK_GITHUB_APP_INSTALLATION_ID"
  | "OPSDECK_GITLAB_URL" | "OPSDECK_GITLAB_TOKEN" | "OPSDECK_JENKINS_URL" | "OPSDECK_JENKINS_USER" | "OPSDECK_JENKINS_API_TOKEN"
>;

/** The external CI providers that have credentials configured. */
export function externalProviders(e: CiEnv): Partial<Record<ExternalKind, CiProvider>> {
  const out: Partial<Record<ExternalKind, CiProvider>> = {};
  if (e.OPSDECK_GITHUB_TOKEN) out.github = new GitHubActionsProvider({ baseUrl: e.OPSDECK_GITHUB_API_URL, auth: { token: e.OPSDECK_GITHUB_TOKEN } });
  else if (e.OPSDECK_GITHUB_APP_ID && e.OPSDECK_GITHUB_APP_PRIVATE_KEY && e.OPSDECK_GITHUB_APP_INSTALLATION_ID) {
    out.github = new GitHubActionsProvider({
      baseUrl: e.OPSDECK_GITHUB_API_URL,
      // A PEM in an environment variable often arrives with literal "\n".
      auth: { appId: e.OPSDECK_GITHUB_APP_ID, privateKey: e.OPSDECK_GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, "\n"), installationId: Number(e.OPSDECK_GITHUB_APP_INSTALLATION_ID) },
    });
  }
  if (e.OPSDECK_GITLAB_URL && e.OPSDECK_GITLAB_TOKEN) out.gitlab = new GitLabCiProvider({ url: e.OPSDECK_GITLAB_URL, token: e.OPSDECK_GITLAB_TOKEN });
  if (e.OPSDECK_JENKINS_URL && e.OPSDECK_JENKINS_USER && e.OPSDECK_JENKINS_API_TOKEN) {
    out.jenkins = new JenkinsProvider({ url: e.OPSDECK_JENKINS_URL, user: e.OPSDECK_JENKINS_USER, apiToken: e.OPSDECK_JENKINS_API_TOKEN });
  }
  return out;
}

/** Directories built-in working copies may live in: a descriptor cannot point the runner at arbitrary server paths. */
export function workdirRoots(e: Pick<Env, "OPSDECK_CI_WORKDIR_ROOTS" | "demoMode">): string[] {
  if (e.OPSDECK_CI_WORKDIR_ROOTS) return e.OPSDECK_CI_WORKDIR_ROOTS.split(",").map((p) => path.resolve(p.trim())).filter(Boolean);
  return e.demoMode ? [DEMO_WORKDIR_ROOT] : [];
}

/** Is the webhook of this provider configured (then polling only runs as a slow safety net)? */
export function webhookSecret(e: Pick<Env, "OPSDECK_GITHUB_WEBHOOK_SECRET" | "OPSDECK_GITLAB_WEBHOOK_TOKEN" | "OPSDECK_JENKINS_WEBHOOK_TOKEN">, kind: ExternalKind): string | null {
  const v = { github: e.OPSDECK_GITHUB_WEBHOOK_SECRET, gitlab: e.OPSDECK_GITLAB_WEBHOOK_TOKEN, jenkins: e.OPSDECK_JENKINS_WEBHOOK_TOKEN }[kind];
  return v || null;
}
