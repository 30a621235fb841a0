import { z } from "zod";

/**
 * One metrics data source as configured in OPSDECK_METRICS_SOURCES (docs/metrics.md "Data sources"): typically one
 * Prometheus per cluster or environment. Only zod here: server/env.ts parses the setting with it at boot.
 */
const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, "header name");

export const metricsSourceConfig = z
  .object({
    /** Stable id used in URLs, the entity annotation `opsdeck.dev/metrics-source` and panel definitions. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "lowercase letters, digits, '.', '_' or '-', at most 63"),
    /** What the UI shows; default: the name. */
    label: z.string().trim().min(1).max(80).optional(),
    url: z.url().refine((v) => /^https?:\/\//.test(v), "must be an http(s) URL"),
    /** The deploy environment this source watches: deploy markers on its charts come from deploys to it. */
    environment: z.string().trim().min(1).max(63).optional(),
    auth: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("bearer"), token: z.string().min(1) }),
        z.object({ type: z.literal("basic"), username: z.string().min(1), password: z.string().min(1) }),
      ])
      .optional(),
    /** Extra request headers (tenant ids for Mimir/Cortex/Thanos, …). */
    headers: z.record(headerName, z.string()).default({}),
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
    /** Seconds between scrapes: the smallest step; rate() windows are at least 4× it. */
    scrapeInterval: z.number().int().min(1).max(3600).default(15),
    /** The source used when neither the request nor the entity names one (default: the first). */
    default: z.boolean().default(false),
  })
  .strict();

export type MetricsSourceConfig = z.output<typeof metricsSourceConfig>;

/** The whole setting: a JSON array of sources (`{}`, the unset default of JSON settings, means none). */
export const metricsSourcesSetting = z
  .preprocess((v) => (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0 ? [] : v), z.array(metricsSourceConfig).max(50))
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of list.entries()) {
      if (seen.has(s.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate source name "${s.name}"` });
      seen.add(s.name);
    }
    if (list.filter((s) => s.default).length > 1) ctx.addIssue({ code: "custom", message: "at most one source may be the default" });
  });

/**
 * OPSDECK_SLOS: objectives for services whose descriptors carry none, by catalog ref, with the keys of the
 * `opsdeck.dev/slo-*` annotations without the prefix: `{"component:default/ledger": {"availability": 99.5,
 * "latency-p95-ms": 300, "window": "28d"}}`. Descriptor annotations win key by key. Parsed by server/metrics/slo-spec.ts.
 */
export const sloConfigSetting = z.record(z.string().trim().toLowerCase().min(1), z.record(z.string(), z.union([z.string(), z.number()])));
export type SloConfig = z.output<typeof sloConfigSetting>;
