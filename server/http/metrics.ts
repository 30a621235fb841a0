import { Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

// One registry per process, kept on globalThis so Next's module reloading does not register metrics twice.
const g = globalThis as unknown as { opsdeckMetrics?: ReturnType<typeof build> };

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "opsdeck_" });
  return {
    registry,
    procedureSeconds: new Histogram({
      name: "opsdeck_trpc_procedure_duration_seconds",
      help: "tRPC procedure duration by procedure, type and result",
      labelNames: ["procedure", "type", "result"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobQueueDepth: new Gauge({
      name: "opsdeck_job_queue_depth",
      help: "Jobs waiting in graphile-worker, by task",
      labelNames: ["task"],
      registers: [registry],
    }),
  };
}

export function metrics() {
  g.opsdeckMetrics ??= build();
  return g.opsdeckMetrics;
}

export function observeProcedure(procedure: string, type: string, result: string, seconds: number) {
  metrics().procedureSeconds.labels(procedure, type, result).observe(seconds);
}
