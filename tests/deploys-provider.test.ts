import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoCluster, type DemoCluster } from "@/server/demo/cluster";
import { ClientNodeProvider, KubernetesError, loadKubeconfigs, rolloutStatusOf, toWorkload, type KubeObject, type Target, type WatchEvent } from "@/server/providers/kubernetes";
import { waitFor } from "./helpers/demo-cluster";

/**
 * The Kubernetes provider against the in-repo demo API server (fast timing), through @kubernetes/client-node exactly as
 * against a real cluster: nothing in the provider knows it is a demo.
 */
describe("KubernetesProvider (client-node) against the demo cluster", () => {
  let cluster: DemoCluster;
  let kube: ClientNodeProvider;
  let target: Target;

  beforeAll(async () => {
    cluster = await startDemoCluster({
      timing: { podStartMs: 40, podReadyMs: 40, tickMs: 15, terminateMs: 40 },
      seed: { namespaces: [{ name: "shop", deployments: [{ name: "web", image: "registry.opsdeck.demo/web:1.0.0", replicas: 3 }, { name: "api", image: "registry.opsdeck.demo/api:2.0.0", replicas: 1 }] }] },
    });
    kube = new ClientNodeProvider(loadKubeconfigs([cluster.kubeconfigPath]), { requestTimeoutMs: 5000, watchTimeoutSeconds: 5 });
    target = { cluster: cluster.contextName, namespace: "shop" };
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const until = <T>(what: string, fn: () => Promise<T | null | false>) => waitFor(what, fn, 10_000, 50);

  it("lists the kubeconfig's contexts and workloads by label and by name", async () => {
    expect(kube.clusters()).toEqual([cluster.contextName]);
    const byLabel = await kube.listWorkloads(target, { labelSelector: "app.kubernetes.io/name=web" });
    expect(byLabel.map((w) => w.name)).toEqual(["web"]);
    const web = await kube.getWorkload(target, { name: "web" });
    expect(web).toMatchObject({ name: "web", namespace: "shop", containers: [{ image: "registry.opsdeck.demo/web:1.0.0" }] });
    expect(web!.replicas).toMatchObject({ desired: 3, ready: 3, available: 3, updated: 3 });
    expect(await kube.getWorkload(target, { name: "nope" })).toBeNull();
    expect((await kube.rolloutStatus(target, "web")).state).toBe("complete");
    const pods = await kube.listPods(target, web!.selector);
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.ready && p.status === "Running" && p.node)).toBe(true);
  });

  it("patchImage (strategic merge, field manager opsdeck) rolls the Deployment; watch sees the pods change", async () => {
    const ctl = new AbortController();
    const seen: WatchEvent<KubeObject>[] = [];
    const watching = (async () => {
      for await (const ev of kube.watch(target, "pods", { labelSelector: "app.kubernetes.io/name=web" }, ctl.signal)) seen.push(ev);
    })();
    await until("initial pod list", async () => seen.some((e) => e.type === "SYNC"));
    const patched = await kube.patchImage(target, "web", "web", "registry.opsdeck.demo/web:1.1.0", { changeCause: "test" });
    expect(patched.containers[0]!.image).toBe("registry.opsdeck.demo/web:1.1.0");
    expect(patched.annotations["kubernetes.io/change-cause"]).toBe("test");
    const done = await until("rollout", async () => {
      const s = await kube.rolloutStatus(target, "web");
      return s.state === "complete" && s.workload.containers[0]!.image.endsWith(":1.1.0") ? s : null;
    });
    expect(done.workload.revision).toBeGreaterThan(1);
    await until("a watch event for a new pod", async () =>
      seen.some((e) => e.type === "ADDED" && JSON.stringify(e.object).includes("web:1.1.0")),
    );
    ctl.abort();
    await watching;
    const history = await kube.history(target, "web");
    expect(history[0]!.containers[0]!.image).toBe("registry.opsdeck.demo/web:1.1.0");
    expect(history.some((r) => r.containers[0]!.image.endsWith(":1.0.0"))).toBe(true);
  });

  it("undo restores the previous revision's pod template (kubectl rollout undo)", async () => {
    const { restored, workload } = await kube.undo(target, "web");
    expect(restored.containers[0]!.image).toBe("registry.opsdeck.demo/web:1.0.0");
    expect(workload.containers[0]!.image).toBe("registry.opsdeck.demo/web:1.0.0");
    await until("undo rollout", async () => {
      const s = await kube.rolloutStatus(target, "web");
      return s.state === "complete" && s.workload.containers[0]!.image.endsWith(":1.0.0");
    });
    // To a revision by number: back to 1.1.0.
    const history = await kube.history(target, "web");
    const rev = history.find((r) => r.containers[0]!.image.endsWith(":1.1.0"))!;
    const again = await kube.undo(target, "web", rev.revision);
    expect(again.workload.containers[0]!.image).toBe("registry.opsdeck.demo/web:1.1.0");
    await expect(kube.undo(target, "web", 999)).rejects.toThrow(/revision 999/);
  });

  it("scale and restart", async () => {
    const scaled = await kube.scale(target, "api", 3);
    expect(scaled.replicas.desired).toBe(3);
    await until("3 ready", async () => ((await kube.getWorkload(target, { name: "api" }))!.replicas.ready === 3 ? true : null));
    const before = await kube.listPods(target, "app.kubernetes.io/name=api");
    const restarted = await kube.restart(target, "api");
    expect(restarted.generation).toBeGreaterThan(scaled.generation);
    await until("restart rolled", async () => {
      const s = await kube.rolloutStatus(target, "api");
      const pods = await kube.listPods(target, "app.kubernetes.io/name=api");
      return s.state === "complete" && pods.filter((p) => !p.terminating).every((p) => !before.some((b) => b.name === p.name)) ? true : null;
    });
    const events = await kube.listEvents(target, { objectNames: ["api"], limit: 500 });
    expect(events.some((e) => e.object.kind === "Deployment" && e.reason === "ScalingReplicaSet")).toBe(true);
    expect(events.every((e) => e.object.name === "api" || e.object.name.startsWith("api-"))).toBe(true);
  });

  it("a crash-looping image shows CrashLoopBackOff on the pod", async () => {
    await kube.patchImage(target, "api", "api", "registry.opsdeck.demo/api:2.1.0-crash");
    const pod = await until("a crash-looping pod", async () => (await kube.listPods(target, "app.kubernetes.io/name=api")).find((p) => p.problem?.reason === "CrashLoopBackOff") ?? null);
    expect(pod.images[0]).toContain("crash");
    expect(rolloutStatusOf(toWorkload((await kube.readDeployment(target, "api"))!)).state).toBe("progressing");
    const logs = await kube.podLogs(target, pod.name, { tailLines: 20 });
    expect(logs.length).toBeGreaterThan(0);
  });

  it("an unreachable cluster is a KubernetesError of kind unreachable naming the cluster", async () => {
    const dead = await startDemoCluster({ seed: "empty" });
    const path = dead.kubeconfigPath;
    await dead.close();
    const k = new ClientNodeProvider(loadKubeconfigs([path]), { requestTimeoutMs: 2000 });
    const err = await k.listWorkloads({ cluster: dead.contextName, namespace: "x" }, { labelSelector: "app=x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesError);
    expect(err).toMatchObject({ kind: "unreachable", cluster: dead.contextName });
    expect((err as Error).message).toMatch(/unreachable/);
    await expect(k.listWorkloads({ cluster: "nope", namespace: "x" }, { name: "x" })).rejects.toMatchObject({ kind: "unknown_cluster" });
  });
});
