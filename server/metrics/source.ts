import { TRPCError } from "@trpc/server";
import { env, type Env } from "@/server/env";
import { DemoMetricsProvider, PrometheusProvider, type MetricsProvider } from "@/server/providers/metrics";
import type { MetricsSourceConfig } from "./config";

/** A provider plus its scrape interval (what the step choice needs). Other domains (canary analysis) use this much. */
export type MetricsSource = { provider: MetricsProvider; scrapeIntervalSeconds: number };

/** A configured data source: also its name, label and the deploy environment it watches (deploy markers). */
export type NamedSource = MetricsSource & { name: string; label: string; environment: string | null };

/** What the UI lists in its data-source picker. */
export type SourceInfo = { name: string; label: string; environment: string | null; kind: MetricsProvider["kind"]; demo: boolean };

export class MetricsSources {
  readonly list: readonly NamedSource[];
  readonly fallback: NamedSource | null;

  constructor(list: NamedSource[], defaultName?: string) {
    this.list = list;
    this.fallback = list.find((s) => s.name === defaultName) ?? list[0] ?? null;
  }

  get(name: string): NamedSource | undefined {
    return this.list.find((s) => s.name === name);
  }

  /**
   * The source for a request: the one it names (unknown name → BAD_REQUEST), else the entity's
   * `opsdeck.dev/metrics-source` annotation when it names a configured source, else the default. Null: none configured.
   */
  pick(requested?: string | null, annotations: Record<string, string> = {}): NamedSource | null {
    if (requested) {
      const s = this.get(requested);
      if (!s) throw new TRPCError({ code: "BAD_REQUEST", message: `Unknown metrics data source "${requested}" (configured: ${this.list.map((x) => x.name).join(", ") || "none"})` });
      return s;
    }
    const annotated = annotations[SOURCE_ANNOTATION];
    return (annotated && this.get(annotated.trim())) || this.fallback;
  }

  infos(): SourceInfo[] {
    return this.list.map(infoOf);
  }
}

export const SOURCE_ANNOTATION = "opsdeck.dev/metrics-source";

export function infoOf(s: NamedSource): SourceInfo {
  return { name: s.name, label: s.label, environment: s.environment, kind: s.provider.kind, demo: s.provider.kind === "demo" };
}

export function sourceFromConfig(c: MetricsSourceConfig, fetchImpl?: typeof fetch): NamedSource {
  return {
    name: c.name,
    label: c.label ?? c.name,
    environment: c.environment ?? null,
    provider: new PrometheusProvider({ url: c.url, auth: c.auth, headers: c.headers, timeoutMs: c.timeoutMs, fetch: fetchImpl }),
    scrapeIntervalSeconds: c.scrapeInterval,
  };
}

/**
 * The demo "clusters", named like the demo deploy environments (server/deploys/config.ts): prod carries the full
 * demo traffic, staging a fifth and dev a twentieth of it, each with its own noise and incidents.
 */
export const DEMO_SOURCES = [
  { name: "prod", label: "prod (demo)", environment: "prod", scale: 1 },
  { name: "staging", label: "staging (demo)", environment: "staging", scale: 0.2 },
  { name: "dev", label: "dev (demo)", environment: "dev", scale: 0.05 },
] as const;

/**
 * The configured data sources: OPSDECK_METRICS_SOURCES (several), or OPSDECK_PROMETHEUS_URL (one, named "prometheus"),
 * or in demo mode the demo generator as two environments; otherwise none (the UI says how to configure one).
 * Production never gets demo data.
 */
export function sourcesFromEnv(e: Env): MetricsSources {
  if (e.OPSDECK_METRICS_SOURCES.length) {
    return new MetricsSources(e.OPSDECK_METRICS_SOURCES.map((c) => sourceFromConfig(c)), e.OPSDECK_METRICS_SOURCES.find((c) => c.default)?.name);
  }
  if (e.OPSDECK_PROMETHEUS_URL) {
    const auth = e.OPSDECK_PROMETHEUS_BEARER_TOKEN
      ? { type: "bearer" as const, token: e.OPSDECK_PROMETHEUS_BEARER_TOKEN }
      : e.OPSDECK_PROMETHEUS_USERNAME && e.OPSDECK_PROMETHEUS_PASSWORD
        ? { type: "basic" as const, username: e.OPSDECK_PROMETHEUS_USERNAME, password: e.OPSDECK_PROMETHEUS_PASSWORD }
        : undefined;
    return new MetricsSources([
      sourceFromConfig({
        name: "prometheus",
        url: e.OPSDECK_PROMETHEUS_URL,
        auth,
        headers: e.OPSDECK_PROMETHEUS_HEADERS,
        timeoutMs: e.OPSDECK_PROMETHEUS_TIMEOUT_MS,
        scrapeInterval: e.OPSDECK_PROMETHEUS_SCRAPE_INTERVAL,
        default: true,
      }),
    ]);
  }
  if (e.demoMode) {
    return new MetricsSources(
      DEMO_SOURCES.map((d) => ({ name: d.name, label: d.label, environment: d.environment, provider: new DemoMetricsProvider({ environment: d.name, scale: d.scale }), scrapeIntervalSeconds: 15 })),
    );
  }
  return new MetricsSources([]);
}

let cached: MetricsSources | undefined;
export function metricsSources(): MetricsSources {
  cached ??= sourcesFromEnv(env());
  return cached;
}

/** The default data source (other domains, e.g. canary analysis, that need one provider). */
export function metricsSource(): NamedSource | null {
  return metricsSources().fallback;
}
