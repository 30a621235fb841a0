import { env, environmentSchema, type EnvironmentConfig, type Env } from "@/server/env";
import { ClientNodeProvider, loadKubeconfigs, splitKubeconfigPaths, type KubernetesProvider } from "@/server/providers/kubernetes";
import { metricsSources, type MetricsSource } from "@/server/metrics/source";
import { DEMO_CONTEXT } from "@/server/demo/cluster/kubeconfig";

export type Environment = EnvironmentConfig & { name: string };

/**
 * What the deploy domain runs against: the environments (in configured order), the Kubernetes provider for their
 * clusters, and the metrics source for canary analysis. Built once from the environment; tests and benchmarks pass
 * their own (a demo cluster's kubeconfig, a metrics provider instance) through setDeploysRuntime.
 */
export type DeploysRuntime = {
  environments: Environment[];
  kube: KubernetesProvider | null;
  /** Why there is no provider (bad kubeconfig), shown instead of cluster data. */
  kubeError: string | null;
  /** The metrics data source canary analysis uses for an environment (null: none configured → analysis fails). */
  metrics: (environment: string) => MetricsSource | null;
  /** Rollout follower timing (ms): how often each followed deploy's heartbeat is written, and when a silent one is adopted. */
  heartbeatMs: number;
  staleMs: number;
};

/** Demo mode without OPSDECK_ENVIRONMENTS: dev, staging, prod on the demo cluster; prod protected and auto-rolled-back. */
export function demoEnvironments(): Record<string, EnvironmentConfig> {
  const parse = (v: unknown) => environmentSchema.parse(v);
  return {
    dev: parse({ context: DEMO_CONTEXT, namespace: "dev", verifySeconds: 3, canary: { intervals: 4, interval: "10s" } }),
    staging: parse({ context: DEMO_CONTEXT, namespace: "staging", verifySeconds: 3, canary: { intervals: 4, interval: "10s" } }),
    prod: parse({ context: DEMO_CONTEXT, namespace: "prod", protected: true, autoRollback: true, verifySeconds: 5, canary: { intervals: 5, interval: "10s" } }),
  };
}

export function environmentsFromEnv(e: Env): Environment[] {
  const configured = Object.keys(e.OPSDECK_ENVIRONMENTS).length ? e.OPSDECK_ENVIRONMENTS : e.demoMode ? demoEnvironments() : {};
  return Object.entries(configured).map(([name, cfg]) => ({ ...cfg, name }));
}

export function runtimeFromEnv(e: Env): DeploysRuntime {
  let kube: KubernetesProvider | null = null;
  let kubeError: string | null = null;
  try {
    const configs = loadKubeconfigs(splitKubeconfigPaths(e.OPSDECK_KUBECONFIG), { inCluster: Boolean(process.env.KUBERNETES_SERVICE_HOST) });
    kube = new ClientNodeProvider(configs, { requestTimeoutMs: e.OPSDECK_K8S_TIMEOUT_MS });
  } catch (err) {
    kubeError = `OPSDECK_KUBECONFIG: ${(err as Error).message}`;
  }
  return { environments: environmentsFromEnv(e), kube, kubeError, metrics: metricsForEnvironment, heartbeatMs: 5_000, staleMs: 30_000 };
}

/** The data source configured for this environment (OPSDECK_METRICS_SOURCES `environment`), else the default one. */
function metricsForEnvironment(environment: string): MetricsSource | null {
  const sources = metricsSources();
  return sources.list.find((s) => s.environment === environment) ?? sources.fallback;
}

const g = globalThis as unknown as { opsdeckDeploysRuntime?: DeploysRuntime };

export function deploysRuntime(): DeploysRuntime {
  g.opsdeckDeploysRuntime ??= runtimeFromEnv(env());
  return g.opsdeckDeploysRuntime;
}

/** Replaces the runtime (tests, benchmarks). */
export function setDeploysRuntime(rt: DeploysRuntime): void {
  g.opsdeckDeploysRuntime = rt;
}

export function findEnvironment(rt: DeploysRuntime, name: string): Environment | null {
  return rt.environments.find((x) => x.name === name) ?? null;
}
