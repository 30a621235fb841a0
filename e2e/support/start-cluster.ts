// The demo Kubernetes cluster for the production-style e2e app (e2e/deploys.spec.ts; runbook specs reuse it): seeded
// with the demo catalog's services in dev/staging/prod, quick but visible rollouts, kubeconfig at E2E_KUBECONFIG.
// playwright.config.ts starts it before the app and passes OPSDECK_KUBECONFIG/OPSDECK_ENVIRONMENTS to the app.
import { startDemoCluster } from "@/server/demo/cluster";
import { E2E_CLUSTER_PORT, E2E_KUBECONFIG } from "./urls";

const cluster = await startDemoCluster({
  port: E2E_CLUSTER_PORT,
  seed: "demo",
  kubeconfigPath: E2E_KUBECONFIG,
  // Fast enough for a test, slow enough that a browser sees pods come and go (~1 s per pod).
  timing: { podStartMs: 500, podReadyMs: 400, tickMs: 50, terminateMs: 400 },
});
console.log(`e2e demo cluster at ${cluster.url}, kubeconfig ${cluster.kubeconfigPath}`);
const stop = () => void cluster.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
