import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";

// The kubeconfig the demo cluster writes for itself: one cluster (plain http on loopback, so no TLS to verify), one user with a bearer
// token, one context named opsdeck-demo. kubectl, @kubernetes/client-node and Opsdeck (OPSDECK_KUBECONFIG) read it.

export const DEMO_CONTEXT = "opsdeck-demo";

export function kubeconfigYaml(url: string, token: string, namespace = "default"): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    // client-node 2.x refuses plain http unless TLS verification is explicitly off for the cluster.
    clusters: [{ name: DEMO_CONTEXT, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: `${DEMO_CONTEXT}-user`, user: { token } }],
    contexts: [{ name: DEMO_CONTEXT, context: { cluster: DEMO_CONTEXT, user: `${DEMO_CONTEXT}-user`, namespace } }],
    "current-context": DEMO_CONTEXT,
  });
}

export function writeKubeconfig(file: string, url: string, token: string): string {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, `# Opsdeck demo cluster (in-memory; its state resets when it restarts)\n${kubeconfigYaml(url, token)}`, { mode: 0o600 });
  return abs;
}
