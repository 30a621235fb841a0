import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFastCluster, waitFor } from "./helpers/demo-cluster";

// @kubernetes/client-node 2.x (what Opsdeck's Kubernetes provider uses) against the demo cluster: load the kubeconfig
// it wrote, read and strategic-merge-patch a Deployment, watch pods roll, read errors as ApiException.

let ctx: Awaited<ReturnType<typeof startFastCluster>>;
let kc: KubeConfig;

beforeAll(async () => {
  ctx = await startFastCluster({ seed: { namespaces: [{ name: "prod", deployments: [{ name: "checkout", image: "registry.opsdeck.demo/checkout:1.4.0", replicas: 2 }] }] } });
  kc = new KubeConfig();
  kc.loadFromFile(ctx.cluster.kubeconfigPath);
});
afterAll(async () => {
  await ctx?.cluster.close();
});

describe("@kubernetes/client-node", () => {
  it("uses the opsdeck-demo context from the written kubeconfig, with its token", () => {
    expect(kc.getCurrentContext()).toBe("opsdeck-demo");
    expect(ctx.cluster.contextName).toBe("opsdeck-demo");
    expect(kc.getCurrentCluster()?.server).toBe(ctx.cluster.url);
    expect(kc.getCurrentUser()?.token).toBeTruthy();
  });

  it("reads a Deployment, patches its image with a strategic merge patch, and watches the pods roll", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const d = await apps.readNamespacedDeployment({ name: "checkout", namespace: "prod" });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe("registry.opsdeck.demo/checkout:1.4.0");
    expect(d.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");

    const pods = await core.listNamespacedPod({ namespace: "prod", labelSelector: "app=checkout" });
    const seen: { phase: string; pod: V1Pod }[] = [];
    const done: { err?: unknown } = {};
    const watcher = await new Watch(kc).watch(
      "/api/v1/namespaces/prod/pods",
      { labelSelector: "app=checkout", resourceVersion: pods.metadata?.resourceVersion },
      (phase, pod: V1Pod) => seen.push({ phase, pod }),
      (err) => (done.err = err),
    );
    try {
      const patched = await apps.patchNamespacedDeployment(
        { name: "checkout", namespace: "prod", fieldManager: "opsdeck", body: { spec: { template: { spec: { containers: [{ name: "checkout", image: "registry.opsdeck.demo/checkout:1.5.0" }] } } } } },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      );
      expect(patched.spec?.template.spec?.containers).toHaveLength(1);
      expect(patched.spec?.template.spec?.containers[0]).toMatchObject({ name: "checkout", image: "registry.opsdeck.demo/checkout:1.5.0" });
      expect(patched.metadata?.generation).toBe((d.metadata?.generation ?? 0) + 1);

      const rolled = await waitFor("the rollout to finish", async () => {
        const cur = await apps.readNamespacedDeployment({ name: "checkout", namespace: "prod" });
        const s = cur.status;
        return (cur.metadata?.generation ?? 0) <= (s?.observedGeneration ?? 0) && s?.updatedReplicas === 2 && s?.availableReplicas === 2 && s?.replicas === 2 ? cur : null;
      });
      expect(rolled.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
      expect(rolled.status?.conditions).toContainEqual(expect.objectContaining({ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }));
      await waitFor("watch events for new and deleted pods", () =>
        seen.some((e) => e.phase === "ADDED") && seen.some((e) => e.phase === "DELETED") && seen.some((e) => e.phase === "MODIFIED" && e.pod.status?.containerStatuses?.[0]?.ready === true),
      );
      const newPods = seen.filter((e) => e.phase === "ADDED").map((e) => e.pod);
      expect(newPods.every((p) => p.spec?.containers[0]?.image === "registry.opsdeck.demo/checkout:1.5.0")).toBe(true);
      expect(newPods[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", controller: true });
      expect(done.err).toBeUndefined();
    } finally {
      watcher.abort();
    }
  });

  it("JSON patch and merge patch through setHeaderOptions; errors arrive as ApiException with a Status body", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const merged = await apps.patchNamespacedDeployment({ name: "checkout", namespace: "prod", body: { metadata: { labels: { tier: "web" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect(merged.metadata?.labels?.tier).toBe("web");
    const json = await apps.patchNamespacedDeployment({ name: "checkout", namespace: "prod", body: [{ op: "replace", path: "/spec/replicas", value: 3 }] }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
    expect(json.spec?.replicas).toBe(3);
    const scale = await apps.readNamespacedDeploymentScale({ name: "checkout", namespace: "prod" });
    expect(scale.spec?.replicas).toBe(3);

    const err = await apps.readNamespacedDeployment({ name: "missing", namespace: "prod" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 404 });
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({ kind: "Status", reason: "NotFound" });
  });
});
