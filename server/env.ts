import { Cron } from "croner";
import { z } from "zod";
import { ciBindingsSetting, ciConfigProblem, cronOrOff } from "@/server/ci/settings";
import { awsAccountsSetting, azureSubscriptionsSetting, gcpProjectsSetting } from "@/server/cloud/settings";
import { metricsSourcesSetting, sloConfigSetting } from "@/server/metrics/config";

// Every setting Opsdeck reads, parsed once. A bad value stops the process with a message naming the variable.

const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());
const boolFlag = z.preprocess((v) => (v === "" || v === undefined ? undefined : v), z.enum(["0", "1", "true", "false"]).optional())
  .transform((v) => v === "1" || v === "true");

/** A setting holding JSON (default `{}`); invalid JSON is reported with an example of the expected shape. */
const jsonSetting = (example: string, fallback = "{}") =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `must be JSON, e.g. ${example}` });
        return z.NEVER;
      }
    });

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgres:// or postgresql:// URL");

export const groupMapSchema = z.record(
  z.string().min(1),
  z.union([
    z.object({ globalAdmin: z.literal(true) }),
    z.object({ team: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "team slug"), role: z.enum(["viewer", "engineer", "oncall", "admin"]) }),
  ]),
);

/** "90s", "15m", "1h", "2d" or a number of seconds → seconds. */
const durationSetting = z
  .union([z.number().positive(), z.string().trim().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like "90s", "15m", "1h", "2d"')])
  .transform((v) => {
    if (typeof v === "number") return v;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v)!;
    return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  });

const cronPattern = z.string().trim().refine((v) => {
  try {
    new Cron(v, { paused: true });
    return true;
  } catch {
    return false;
  }
}, 'must be a cron expression like "0 18 * * 5"');

/** One deploy environment (docs/deploys.md "Configuration"). */
export const environmentSchema = z.object({
  /** kubeconfig context (from OPSDECK_KUBECONFIG) and namespace the environment deploys to. */
  context: z.string().min(1),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Kubernetes namespace name"),
  /** Deploys wait for a second person's approval. */
  protected: z.boolean().default(false),
  /** A failed deploy is rolled back to the previous revision by itself. */
  autoRollback: z.boolean().default(false),
  /** How long a pending approval stays valid. */
  approvalTtl: durationSetting.default(3600),
  /** Deploys are blocked from each cron start for `duration` (admins may break glass). */
  freezeWindows: z
    .array(z.object({ cron: cronPattern, duration: durationSetting, timezone: z.string().optional(), reason: z.string().default("") }))
    .default([]),
  /** After a rollout completes, pods must stay healthy this long before the deploy succeeds. */
  verifySeconds: durationSetting.default(10),
  canary: z
    .object({
      intervals: z.number().int().min(1).max(100).default(5),
      interval: durationSetting.default(60),
      /** Canary error ratio may exceed stable's by at most this (absolute, 0.01 = one percentage point). */
      maxErrorRateIncrease: z.number().min(0).max(1).default(0.01),
      /** Canary p95 latency may be at most this multiple of stable's. */
      maxLatencyRatio: z.number().min(1).default(1.25),
    })
    .default({ intervals: 5, interval: 60, maxErrorRateIncrease: 0.01, maxLatencyRatio: 1.25 }),
});
export type EnvironmentConfig = z.output<typeof environmentSchema>;

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: optionalString.pipe(postgresUrl.optional()),
  // Set only by `npm start` when it launched the embedded database; its presence (without DATABASE_URL) is demo mode.
  OPSDECK_EMBEDDED_DATABASE_URL: optionalString.pipe(postgresUrl.optional()),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  AUTH_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  AUTH_URL: z.url().default("http://localhost:3000"),
  OIDC_ISSUER: optionalString.pipe(z.url().optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.string().default("Single sign-on"),
  OIDC_GROUPS_CLAIM: z.string().default("groups"),
  OIDC_SCOPES: z.string().regex(/(^|\s)openid(\s|$)/, "must include openid").default("openid email profile"),
  OPSDECK_GROUP_MAP: jsonSetting('{"ops":{"team":"platform","role":"admin"}}')
    .pipe(groupMapSchema),
  OPSDECK_WORKER: z.enum(["inline", "off"]).default("inline"),
  // Catalog (docs/catalog.md): comma-separated directories, globs, or git:<dir> working copies (read at HEAD).
  // Relative paths are relative to the process's working directory. In demo mode the default is demo/catalog.
  OPSDECK_CATALOG_PATHS: optionalString,
  // When the scheduled catalog refresh runs (5-field cron, graphile-worker syntax), or "off".
  OPSDECK_CATALOG_REFRESH_CRON: z
    .string()
    .trim()
    .regex(/^(off|(\S+\s+){4}\S+)$/, 'must be a 5-field cron expression like "*/15 * * * *", or "off"')
    .default("*/15 * * * *"),
  // Scorecard rules file (YAML); default config/scorecards.yaml.
  OPSDECK_SCORECARDS_FILE: optionalString,
  OPSDECK_DATA_DIR: z.string().default(".data"),
  // Metrics (docs/metrics.md): a Prometheus-compatible HTTP API. Unset: the demo generator in demo mode, no metrics otherwise.
  OPSDECK_PROMETHEUS_URL: optionalString.pipe(z.url().refine((v) => /^https?:\/\//.test(v), "must be an http(s) URL").optional()),
  OPSDECK_PROMETHEUS_BEARER_TOKEN: optionalString,
  OPSDECK_PROMETHEUS_USERNAME: optionalString,
  OPSDECK_PROMETHEUS_PASSWORD: optionalString,
  OPSDECK_PROMETHEUS_HEADERS: jsonSetting('{"X-Scope-OrgID":"ops"}')
    .pipe(z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "header name"), z.string())),
  OPSDECK_PROMETHEUS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  // The scrape interval of the data source: rate() windows are at least 4× this (seconds).
  OPSDECK_PROMETHEUS_SCRAPE_INTERVAL: z.coerce.number().int().min(1).max(3600).default(15),
  // Several metrics data sources (one per cluster/environment): a JSON array, docs/metrics.md "Data sources".
  // OPSDECK_PROMETHEUS_URL is the shorthand for a single one; give one or the other.
  OPSDECK_METRICS_SOURCES: jsonSetting('[{"name":"prod","url":"http://prometheus:9090","environment":"production"}]').pipe(metricsSourcesSetting),
  // Service-level objectives by catalog ref, for services whose descriptors carry none (docs/metrics.md "SLOs").
  OPSDECK_SLOS: jsonSetting('{"component:default/payments-api":{"availability":99.9,"latency-p95-ms":300,"window":"28d"}}').pipe(sloConfigSetting),
  // Deploys (docs/deploys.md): kubeconfig files (":" or "," separated; every context in them is a cluster), and the
  // environments as JSON {name: {context, namespace, protected, autoRollback, approvalTtl, freezeWindows, …}} in order.
  // Demo mode defaults to dev/staging/prod on the demo cluster.
  OPSDECK_KUBECONFIG: optionalString,
  OPSDECK_ENVIRONMENTS: jsonSetting('{"prod":{"context":"prod-eu","namespace":"shop","protected":true,"autoRollback":true}}')
    .pipe(z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, "environment name (lowercase, digits, -)"), environmentSchema)),
  OPSDECK_K8S_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  // CI integrations (docs/ci-cloud.md). GitHub: a token, or a GitHub App (id, PEM private key, installation id).
  OPSDECK_GITHUB_API_URL: z.url().default("https://api.github.com"),
  OPSDECK_GITHUB_TOKEN: optionalString,
  OPSDECK_GITHUB_APP_ID: optionalString,
  OPSDECK_GITHUB_APP_PRIVATE_KEY: optionalString,
  OPSDECK_GITHUB_APP_INSTALLATION_ID: optionalString.pipe(z.string().regex(/^\d+$/, "a number").optional()),
  OPSDECK_GITHUB_WEBHOOK_SECRET: optionalString,
  OPSDECK_GITLAB_URL: optionalString.pipe(z.url().optional()),
  OPSDECK_GITLAB_TOKEN: optionalString,
  OPSDECK_GITLAB_WEBHOOK_TOKEN: optionalString,
  OPSDECK_JENKINS_URL: optionalString.pipe(z.url().optional()),
  OPSDECK_JENKINS_USER: optionalString,
  OPSDECK_JENKINS_API_TOKEN: optionalString,
  OPSDECK_JENKINS_WEBHOOK_TOKEN: optionalString,
  // Webhook deliveries older than this (by the event's own time) are refused; delivery ids are remembered this long.
  OPSDECK_WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
  // Built-in runner: comma-separated directories working copies may live in (demo mode: demo/workdirs).
  OPSDECK_CI_WORKDIR_ROOTS: optionalString,
  OPSDECK_CI_BINDINGS: jsonSetting('{"payments-api":{"gitlab":"payments/api","workdir":"/srv/src/payments-api"}}').pipe(ciBindingsSetting),
  OPSDECK_CI_POLL_CRON: cronOrOff("* * * * *"),
  // Cloud inventory (docs/ci-cloud.md): accounts/projects/subscriptions to list, and when to refresh.
  OPSDECK_AWS_ACCOUNTS: jsonSetting('[{"name":"prod","regions":["eu-west-1"],"roleArn":"arn:aws:iam::123456789012:role/opsdeck-read"}]', "[]").pipe(awsAccountsSetting),
  OPSDECK_GCP_PROJECTS: jsonSetting('[{"projectId":"shop-prod"}]', "[]").pipe(gcpProjectsSetting),
  OPSDECK_AZURE_SUBSCRIPTIONS: jsonSetting('[{"subscriptionId":"00000000-0000-0000-0000-000000000000","storageAccounts":["shopassets"]}]', "[]").pipe(azureSubscriptionsSetting),
  OPSDECK_CLOUD_REFRESH_CRON: cronOrOff("*/15 * * * *"),
  // Runbooks (docs/runbooks.md): comma-separated directories of runbook YAML files ("off": none). Relative to the
  // working directory; default the shipped examples in runbooks/.
  OPSDECK_RUNBOOK_PATHS: z.string().trim().default("runbooks"),
  // Where runs get their scratch working directories (default <os tmpdir>/opsdeck-runbooks).
  OPSDECK_RUNBOOK_WORKDIR: optionalString,
  // Extra environment variables of the worker passed to runbook steps (comma-separated names), besides PATH, HOME, LANG…
  OPSDECK_RUNBOOK_ENV_ALLOW: z.string().trim().regex(/^([A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)?$/, "comma-separated variable names").default(""),
  // Encryption key for secrets at rest (runbook secret parameters; AES-256-GCM, key derived by HKDF). 32+ characters.
  // Demo mode generates one under OPSDECK_DATA_DIR; elsewhere without it, runbooks with secret parameters cannot start.
  OPSDECK_SECRET_KEY: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OPSDECK_TRUST_PROXY: boolFlag,
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default("127.0.0.1"),
  PGLITE_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
});

export type Env = z.infer<typeof schema> & {
  databaseUrl: string;
  demoMode: boolean;
  oidc: { issuer: string; clientId: string; clientSecret: string } | null;
};

export class ConfigError extends Error {}

export function parseEnv(source: Record<string, string | undefined>, opts: { requireDatabase?: boolean } = {}): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = result.data;
  const oidcParts = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    const missing = ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"].filter((_, i) => !oidcParts[i]);
    throw new ConfigError(`Invalid configuration:\n  ${missing.join(", ")}: required when any OIDC_* setting is given`);
  }
  if (e.OPSDECK_PROMETHEUS_BEARER_TOKEN && (e.OPSDECK_PROMETHEUS_USERNAME || e.OPSDECK_PROMETHEUS_PASSWORD)) {
    throw new ConfigError("Invalid configuration:\n  OPSDECK_PROMETHEUS_BEARER_TOKEN: give a bearer token or a username/password, not both");
  }
  if (e.OPSDECK_PROMETHEUS_URL && e.OPSDECK_METRICS_SOURCES.length) {
    throw new ConfigError("Invalid configuration:\n  OPSDECK_METRICS_SOURCES: give it or OPSDECK_PROMETHEUS_URL, not both");
  }
  if (Boolean(e.OPSDECK_PROMETHEUS_USERNAME) !== Boolean(e.OPSDECK_PROMETHEUS_PASSWORD)) {
    throw new ConfigError("Invalid configuration:\n  OPSDECK_PROMETHEUS_USERNAME, OPSDECK_PROMETHEUS_PASSWORD: give both or neither");
  }
  const ciProblem = ciConfigProblem(e);
  if (ciProblem) throw new ConfigError(`Invalid configuration:\n  ${ciProblem}`);
  // Demo mode cannot be switched on by a flag: it exists only when no DATABASE_URL is configured and the launcher
  // started the embedded database. A production deployment (DATABASE_URL set) never gets the demo sign-in.
  const demoMode = !e.DATABASE_URL && Boolean(e.OPSDECK_EMBEDDED_DATABASE_URL);
  const databaseUrl = e.DATABASE_URL ?? e.OPSDECK_EMBEDDED_DATABASE_URL ?? "";
  if (!databaseUrl && opts.requireDatabase !== false) {
    throw new ConfigError("Invalid configuration:\n  DATABASE_URL: not set (use `npm start` for the embedded demo database)");
  }
  if (!demoMode && !e.AUTH_SECRET && e.NODE_ENV === "production") {
    throw new ConfigError("Invalid configuration:\n  AUTH_SECRET: required outside demo mode (32+ random characters)");
  }
  if (!demoMode && !e.OIDC_ISSUER && e.NODE_ENV === "production") {
    throw new ConfigError("Invalid configuration:\n  OIDC_ISSUER: required outside demo mode (nobody could sign in)");
  }
  return {
    ...e,
    databaseUrl,
    demoMode,
    oidc: e.OIDC_ISSUER ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID!, clientSecret: e.OIDC_CLIENT_SECRET! } : null,
  };
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
