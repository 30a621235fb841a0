import { env, type Env } from "@/server/env";
import { DemoMetricsProvider, PrometheusProvider, type MetricsProvider } from "@/server/providers/metrics";

export type MetricsSource = { provider: MetricsProvider; scrapeIntervalSeconds: number };

/**
 * The configured data source: Prometheus when OPSDECK_PROMETHEUS_URL is set, the demo generator in demo mode,
 * otherwise none (the UI says how to configure one). Production never gets demo data.
 */
export function sourceFromEnv(e: Env): MetricsSource | null {
  if (e.OPSDECK_PROMETHEUS_URL) {
    const auth = e.OPSDECK_PROMETHEUS_BEARER_TOKEN
      ? { type: "bearer" as const, token: e.OPSDECK_PROMETHEUS_BEARER_TOKEN }
      : e.OPSDECK_PROMETHEUS_USERNAME && e.OPSDECK_PROMETHEUS_PASSWORD
        ? { type: "basic" as const, username: e.OPSDECK_PROMETHEUS_USERNAME, password: e.OPSDECK_PROMETHEUS_PASSWORD }
        : undefined;
    return {
      provider: new PrometheusProvider({ url: e.OPSDECK_PROMETHEUS_URL, auth, headers: e.OPSDECK_PROMETHEUS_HEADERS, timeoutMs: e.OPSDECK_PROMETHEUS_TIMEOUT_MS }),
      scrapeIntervalSeconds: e.OPSDECK_PROMETHEUS_SCRAPE_INTERVAL,
    };
  }
  if (e.demoMode) return { provider: new DemoMetricsProvider(), scrapeIntervalSeconds: 15 };
  return null;
}

let cached: { source: MetricsSource | null } | undefined;
export function metricsSource(): MetricsSource | null {
  cached ??= { source: sourceFromEnv(env()) };
  return cached.source;
}
