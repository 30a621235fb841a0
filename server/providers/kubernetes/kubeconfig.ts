import { KubeConfig } from "@kubernetes/client-node";

/**
 * Kubeconfig files → one KubeConfig per context (each with that context current), so every cluster gets its own
 * clients. `paths` is OPSDECK_KUBECONFIG split on ":" or ",". With no paths and a pod service account (in-cluster),
 * the context is called "in-cluster". A context name defined in two files is a configuration error: the environments
 * refer to contexts by name.
 */
export function loadKubeconfigs(paths: string[], opts: { inCluster?: boolean } = {}): Map<string, KubeConfig> {
  const out = new Map<string, KubeConfig>();
  const origin = new Map<string, string>();
  for (const file of paths) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new Error(`kubeconfig ${file}: ${(err as Error).message}`);
    }
    for (const ctx of kc.getContexts()) {
      if (out.has(ctx.name)) throw new Error(`kubeconfig context "${ctx.name}" is defined in both ${origin.get(ctx.name)} and ${file}`);
      const one = new KubeConfig();
      // client-node refuses plain-http servers unless skipTLSVerify is set, where kubectl simply connects. A server
      // without TLS (kubectl proxy, a loopback API server) has no certificate to verify: accept it as kubectl does.
      const clusters = kc.clusters.map((c) => (c.server.startsWith("http:") ? { ...c, skipTLSVerify: true } : c));
      one.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: ctx.name });
      if (!one.getCurrentCluster()) throw new Error(`kubeconfig ${file}: context "${ctx.name}" names cluster "${ctx.cluster}", which the file does not define`);
      out.set(ctx.name, one);
      origin.set(ctx.name, file);
    }
  }
  if (paths.length === 0 && opts.inCluster) {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    out.set("in-cluster", kc);
  }
  return out;
}

/** OPSDECK_KUBECONFIG as a list of paths (":" or "," separated, blanks ignored). */
export function splitKubeconfigPaths(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[,:]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
