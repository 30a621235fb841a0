import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Cluster } from "./cluster";
import { createHandler } from "./http";
import { DEMO_CONTEXT, writeKubeconfig } from "./kubeconfig";
import { applySeed, demoSeed, type DemoSeed } from "./seed";
import { resolveTiming, type Timing } from "./timing";

// The demo Kubernetes cluster: an in-process HTTP server speaking the Kubernetes REST API (discovery, namespaces,
// deployments with rollouts, replicasets, pods with logs, events, watches) over an in-memory simulated cluster.
// `npm start` runs it in demo mode; `npm run demo-cluster` runs it alone; tests start one per file with fast timing.

export type { DemoSeed } from "./seed";
export type { Timing as DemoClusterTiming } from "./timing";

export type DemoClusterOptions = {
  /** 0 = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  timing?: Partial<Timing>;
  /** "demo" (default): the demo catalog's services in dev/staging/prod; "empty": only the default namespace. */
  seed?: DemoSeed | "demo" | "empty";
  /** Where to write the kubeconfig (default: a new temporary directory; the file outlives close()). */
  kubeconfigPath?: string;
};

export type DemoCluster = { url: string; port: number; kubeconfigPath: string; contextName: string; close(): Promise<void> };

export async function startDemoCluster(opts: DemoClusterOptions = {}): Promise<DemoCluster> {
  const timing: Timing = resolveTiming(opts.timing);
  const cluster = new Cluster(timing);
  const seed = opts.seed ?? "demo";
  applySeed(cluster, seed === "demo" ? demoSeed() : seed === "empty" ? { namespaces: [] } : seed);

  const host = opts.host ?? "127.0.0.1";
  const token = randomBytes(24).toString("base64url");
  const openWatches = new Set<() => void>();
  let url = "";
  const server: Server = createServer(createHandler({ cluster, token, openWatches, serverAddress: () => url.replace(/^https?:\/\//, "") }));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = writeKubeconfig(opts.kubeconfigPath ?? path.join(mkdtempSync(path.join(tmpdir(), "opsdeck-demo-cluster-")), "kubeconfig"), url, token);
  cluster.start();

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    kubeconfigPath,
    contextName: DEMO_CONTEXT,
    close() {
      closing ??= new Promise<void>((resolve) => {
        cluster.stop();
        for (const end of [...openWatches]) end();
        // The kubeconfig stays: pointing a client at a closed cluster is how tests get an unreachable one.
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export const DEFAULT_DEMO_CLUSTER_PORT = 54330;

/** OPSDECK_DEMO_CLUSTER_PORT (default 54330); a bad value throws an error naming the variable. */
export function demoClusterPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OPSDECK_DEMO_CLUSTER_PORT;
  if (raw === undefined || raw === "") return DEFAULT_DEMO_CLUSTER_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`OPSDECK_DEMO_CLUSTER_PORT: expected a TCP port (0-65535), got ${JSON.stringify(raw)}`);
  return n;
}
