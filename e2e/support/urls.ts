/** Where the e2e servers listen (ports overridable so a second run can go beside the first). */
export const DEMO_PORT = Number(process.env.E2E_DEMO_PORT ?? 3400);
export const DEMO_APP = `http://localhost:${DEMO_PORT}`;

/** The demo Kubernetes cluster the production-style app deploys to (e2e/support/start-cluster.ts). */
export const E2E_CLUSTER_PORT = Number(process.env.E2E_CLUSTER_PORT ?? 14500);
export const E2E_KUBECONFIG = process.env.E2E_KUBECONFIG ?? `${process.cwd()}/tmp/e2e-cluster-${E2E_CLUSTER_PORT}/kubeconfig`;
/** Environments of the e2e app: dev/staging/prod on the demo cluster, prod protected and auto-rolled-back. */
export const E2E_ENVIRONMENTS = {
  dev: { context: "opsdeck-demo", namespace: "dev", verifySeconds: 2 },
  staging: { context: "opsdeck-demo", namespace: "staging", verifySeconds: 2 },
  prod: { context: "opsdeck-demo", namespace: "prod", protected: true, autoRollback: true, verifySeconds: 3 },
};
