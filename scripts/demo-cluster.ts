// `npm run demo-cluster [-- --port N] [--host H] [--kubeconfig FILE] [--seed demo|empty] [--fast]`
// Runs the demo Kubernetes cluster alone (the same one `npm start` runs in demo mode), writes a kubeconfig for it and
// prints that file's path; keeps running until Ctrl+C. State is in memory: it resets on every start.
//   kubectl --kubeconfig "$(path printed)" get deploy -n prod
import path from "node:path";
import { parseArgs } from "node:util";
import { demoClusterPortFromEnv, startDemoCluster } from "@/server/demo/cluster";
import { FAST_TIMING } from "@/server/demo/cluster/timing";
import { repoRoot } from "./lib/database";

function fail(msg: string): never {
  console.error(`demo-cluster: ${msg}`);
  process.exit(1);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        kubeconfig: { type: "string" },
        seed: { type: "string", default: "demo" },
        fast: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    console.log("usage: npm run demo-cluster -- [--port N] [--host 127.0.0.1] [--kubeconfig FILE] [--seed demo|empty] [--fast]");
    return;
  }
  let port: number;
  try {
    port = values.port !== undefined ? Number(values.port) : demoClusterPortFromEnv();
  } catch (err) {
    fail((err as Error).message);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: expected a TCP port, got ${JSON.stringify(values.port)}`);
  if (values.seed !== "demo" && values.seed !== "empty") fail(`--seed: expected "demo" or "empty", got ${JSON.stringify(values.seed)}`);

  const kubeconfigPath = path.resolve(values.kubeconfig ?? path.join(repoRoot, ".data/demo-cluster/kubeconfig"));
  const cluster = await startDemoCluster({ port, host: values.host, seed: values.seed, kubeconfigPath, timing: values.fast ? FAST_TIMING : undefined }).catch((err: NodeJS.ErrnoException) =>
    fail(err.code === "EADDRINUSE" ? `port ${port} on ${values.host} is already in use: stop what runs there or pass --port / set OPSDECK_DEMO_CLUSTER_PORT` : String(err)),
  );
  console.error(`demo-cluster: Kubernetes API at ${cluster.url} (context ${cluster.contextName}); state is in memory and resets on restart`);
  console.error(`demo-cluster: try: kubectl --kubeconfig ${cluster.kubeconfigPath} get deploy -n prod`);
  // The kubeconfig path alone on stdout, so scripts can capture it.
  console.log(cluster.kubeconfigPath);

  const stop = (signal: string) => {
    console.error(`demo-cluster: ${signal}: stopping`);
    void cluster.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main();
