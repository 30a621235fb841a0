import { MetricsSources, type NamedSource } from "@/server/metrics/source";
import type { MetricsProvider } from "@/server/providers/metrics";

/** A MetricsSources with one (or more) test providers, named "test", "test-2", … unless given. */
export function sourcesOf(...providers: (MetricsProvider | (Partial<NamedSource> & { provider: MetricsProvider }))[]): MetricsSources {
  return new MetricsSources(
    providers.map((p, i) => {
      const s = "provider" in p ? p : { provider: p };
      return { name: i ? `test-${i + 1}` : "test", label: "Test", environment: null, scrapeIntervalSeconds: 15, ...s };
    }),
  );
}
