import { DEMO_CATALOG_DIR } from "@/server/catalog/config";
import { parseDescriptorFile } from "@/server/catalog/parse";
import { openSource } from "@/server/catalog/sources";
import type { Cluster } from "./cluster";
import { conditions, NODES } from "./kubelet";
import { timestamp } from "./store";
import type { ContainerStatus, Deployment, Namespace, Pod, ReplicaSet } from "./types";
import { podFromTemplate } from "./replicaset-controller";
import { controllerRef, defaultDeployment, DESIRED_REPLICAS, fnv32a, MAX_REPLICAS, POD_TEMPLATE_HASH, resolveSurge, REVISION, templateHash, validateDeployment, validateName } from "./workloads";

// Initial state: namespaces with Deployments already rolled out (pods running and ready), each with a few older
// revisions as scaled-down ReplicaSets so `rollout history` / `rollout undo` have something to show. The "demo" seed
// deploys every Component of the demo catalog that declares a Kubernetes mapping (backstage.io/kubernetes-id) to
// dev, staging and prod.

export type DemoSeed = { namespaces: { name: string; deployments: { name: string; image: string; replicas: number; labels?: Record<string, string> }[] }[] };

type SeedDeployment = DemoSeed["namespaces"][number]["deployments"][number] & { history?: string[]; deployedAgoMs?: number };
type FullSeed = { namespaces: { name: string; deployments: SeedDeployment[] }[] };

export const DEMO_REGISTRY = "registry.opsdeck.demo";
const KUBERNETES_ID = "backstage.io/kubernetes-id";
const MINUTE = 60_000;
const DAY = 86_400_000;

const hash = fnv32a;

/** Components of the demo catalog that map to a Kubernetes workload: [workload name, part-of system]. */
export function demoCatalogWorkloads(dir = DEMO_CATALOG_DIR): { name: string; system?: string }[] {
  const source = openSource({ kind: "dir", target: dir });
  const out = new Map<string, { name: string; system?: string }>();
  for (const f of source.list()) {
    if (!("text" in f)) continue;
    const parsed = parseDescriptorFile(f.path, f.text, { readRelative: (from, target) => source.readRelative(from, target) });
    for (const e of parsed.entities) {
      const id = e.kind === "Component" ? e.metadata.annotations[KUBERNETES_ID] : undefined;
      if (!id || out.has(id)) continue;
      const system = e.systemRef?.split("/").pop();
      out.set(id, { name: id, ...(system ? { system } : {}) });
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Plausible versions per service: staging current, dev one patch ahead, prod one behind; older ones as history. */
function versions(name: string) {
  const h = hash(name);
  const major = 1 + (h % 3);
  const minor = 2 + ((h >>> 3) % 14);
  const patch = 2 + ((h >>> 8) % 6);
  const v = (m: number, p: number) => `${major}.${m}.${p}`;
  const staging = v(minor, patch);
  return {
    dev: [v(minor, patch + 1), staging, v(minor, patch - 1), v(minor, patch - 2)],
    staging: [staging, v(minor, patch - 1), v(minor, patch - 2)],
    prod: [v(minor, patch - 1), v(minor, patch - 2), v(minor - 1, 9)],
  };
}

export function demoSeed(dir?: string): FullSeed {
  const workloads = demoCatalogWorkloads(dir);
  const envs = [
    { name: "dev", replicas: 2, ago: (h: number) => (5 + (h % 50)) * MINUTE },
    { name: "staging", replicas: 2, ago: (h: number) => (3 + (h % 40)) * 3_600_000 },
    { name: "prod", replicas: 3, ago: (h: number) => (2 + (h % 9)) * DAY },
  ] as const;
  return {
    namespaces: envs.map((env) => ({
      name: env.name,
      deployments: workloads.map((w) => {
        const [current, ...older] = versions(w.name)[env.name];
        const image = (v: string) => `${DEMO_REGISTRY}/${w.name}:${v}`;
        return {
          name: w.name,
          image: image(current!),
          replicas: env.replicas,
          labels: w.system ? { "app.kubernetes.io/part-of": w.system } : undefined,
          history: older.reverse().map(image),
          deployedAgoMs: env.ago(hash(`${env.name}/${w.name}`)),
        };
      }),
    })),
  };
}

export function applySeed(cluster: Cluster, seed: FullSeed, now = Date.now()): void {
  const store = cluster.store;
  const namespaces = ["default", ...seed.namespaces.map((n) => n.name)];
  for (const name of new Set(namespaces)) {
    validateName("Namespace", "", name, true);
    const ns: Namespace = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, uid: "", resourceVersion: "", creationTimestamp: timestamp(new Date(now - 40 * DAY)), labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    };
    if (!store.get("namespaces", undefined, name)) store.create("namespaces", ns);
  }
  for (const ns of seed.namespaces) for (const d of ns.deployments) seedDeployment(cluster, ns.name, d, now);
  cluster.reconcile(now);
}

function seedDeployment(cluster: Cluster, namespace: string, s: SeedDeployment, now: number) {
  const store = cluster.store;
  const labels = { "app.kubernetes.io/name": s.name, app: s.name, ...(s.labels ?? {}) };
  const images = [...(s.history ?? []), s.image];
  const deployedAt = now - (s.deployedAgoMs ?? 3 * DAY);
  // Older revisions one to three weeks apart before the current one.
  const revisionAt = (i: number) => deployedAt - (images.length - 1 - i) * (7 + (hash(`${s.name}/${i}`) % 14)) * DAY;
  const createdAt = revisionAt(0) - DAY;
  const templateFor = (image: string) => ({
    metadata: { labels: { ...labels } },
    spec: {
      containers: [{ name: s.name, image, ports: [{ name: "http", containerPort: 8080 }], env: [{ name: "OPSDECK_ENVIRONMENT", value: namespace }] }],
    },
  });
  const d = defaultDeployment({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: s.name, namespace, uid: "", resourceVersion: "", generation: images.length, creationTimestamp: timestamp(new Date(createdAt)), labels: { ...labels }, annotations: { [REVISION]: String(images.length) } },
    spec: { replicas: s.replicas, selector: { matchLabels: { "app.kubernetes.io/name": s.name } }, template: templateFor(s.image) },
    status: {},
  } as unknown as Deployment);
  validateDeployment(d);
  const currentRs = `${s.name}-${templateHash(d.spec.template)}`;
  const deployTs = timestamp(new Date(deployedAt + 2 * MINUTE));
  d.status = {
    observedGeneration: images.length,
    replicas: s.replicas,
    updatedReplicas: s.replicas,
    readyReplicas: s.replicas,
    availableReplicas: s.replicas,
    conditions: [
      { type: "Available", status: "True", lastUpdateTime: timestamp(new Date(createdAt)), lastTransitionTime: timestamp(new Date(createdAt)), reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
      { type: "Progressing", status: "True", lastUpdateTime: deployTs, lastTransitionTime: timestamp(new Date(createdAt)), reason: "NewReplicaSetAvailable", message: `ReplicaSet "${currentRs}" has successfully progressed.` },
    ],
  };
  const saved = store.create("deployments", d);
  const { maxSurge } = resolveSurge(saved);

  images.forEach((image, i) => {
    const current = i === images.length - 1;
    const tpl = defaultDeployment({ ...structuredClone(saved), spec: { ...structuredClone(saved.spec), template: templateFor(image) } } as Deployment).spec.template;
    const hashValue = templateHash(tpl);
    tpl.metadata = { ...tpl.metadata, labels: { ...labels, [POD_TEMPLATE_HASH]: hashValue } };
    const at = new Date(revisionAt(i));
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${s.name}-${hashValue}`,
        namespace,
        uid: "",
        resourceVersion: "",
        generation: current ? 1 : 2,
        creationTimestamp: timestamp(at),
        labels: { ...labels, [POD_TEMPLATE_HASH]: hashValue },
        annotations: { [DESIRED_REPLICAS]: String(s.replicas), [MAX_REPLICAS]: String(s.replicas + maxSurge), [REVISION]: String(i + 1) },
        ownerReferences: [controllerRef(saved)],
      },
      spec: { replicas: current ? s.replicas : 0, selector: { matchLabels: { "app.kubernetes.io/name": s.name, [POD_TEMPLATE_HASH]: hashValue } }, template: tpl },
      status: current ? { replicas: s.replicas, fullyLabeledReplicas: s.replicas, readyReplicas: s.replicas, availableReplicas: s.replicas, observedGeneration: 1 } : { replicas: 0, observedGeneration: 2 },
    };
    const savedRs = store.create("replicasets", rs);
    if (current) {
      for (let k = 0; k < s.replicas; k++) seedPod(cluster, savedRs, deployedAt + k * 20_000, k);
      if (now - deployedAt < 3_600_000) seedRolloutEvents(cluster, saved, savedRs, deployedAt);
    }
  });
}

/** A pod of the current revision that has been running and ready since `startMs`. */
function seedPod(cluster: Cluster, rs: ReplicaSet, startMs: number, index: number) {
  const node = NODES[(index + hashIndex(rs.metadata.name)) % NODES.length]!;
  const started = new Date(startMs + 3000);
  const ready = new Date(startMs + 6000);
  const ip = `10.244.${NODES.indexOf(node)}.${10 + (hashIndex(`${rs.metadata.name}/${index}`) % 240)}`;
  const pod = podFromTemplate(rs, new Date(startMs));
  const statuses: ContainerStatus[] = pod.spec.containers.map((c, i) => ({
    name: c.name,
    state: { running: { startedAt: timestamp(started) } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: c.image,
    imageID: `${c.image.split(":")[0]}@sha256:${String(hashIndex(c.image)).padStart(64, "0")}`,
    containerID: `containerd://${String(hashIndex(`${rs.metadata.name}/${index}/${i}`)).padStart(64, "a")}`,
    started: true,
  }));
  pod.spec.nodeName = node.name;
  pod.status = {
    phase: "Running",
    hostIP: node.ip,
    podIP: ip,
    podIPs: [{ ip }],
    startTime: timestamp(new Date(startMs)),
    qosClass: "BestEffort",
    conditions: conditions(ready, { scheduled: true, initialized: true, ready: true, containerNames: pod.spec.containers.map((c) => c.name) }),
    containerStatuses: statuses,
  };
  const saved = cluster.store.create("pods", pod);
  cluster.kubelets.adoptRunning(saved, startMs);
}

/** The events a recent rollout leaves behind (a real cluster keeps events for an hour). */
function seedRolloutEvents(cluster: Cluster, d: Deployment, rs: ReplicaSet, at: number) {
  const ev = cluster.events;
  ev.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rs.metadata.name} to 1`, { component: "deployment-controller" }, undefined, new Date(at));
  ev.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rs.metadata.name} to ${rs.spec.replicas}`, { component: "deployment-controller" }, undefined, new Date(at + 20_000));
  for (const p of cluster.store.list<Pod>("pods", rs.metadata.namespace).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid)) {
    const t = Date.parse(p.metadata.creationTimestamp);
    const host = { component: "kubelet", host: p.spec.nodeName };
    const c = p.spec.containers[0]!;
    const fp = `spec.containers{${c.name}}`;
    ev.record(rs, "Normal", "SuccessfulCreate", `Created pod: ${p.metadata.name}`, { component: "replicaset-controller" }, undefined, new Date(t));
    ev.record(p, "Normal", "Scheduled", `Successfully assigned ${p.metadata.namespace}/${p.metadata.name} to ${p.spec.nodeName}`, { component: "default-scheduler" }, undefined, new Date(t));
    ev.record(p, "Normal", "Pulling", `Pulling image "${c.image}"`, host, fp, new Date(t + 500));
    ev.record(p, "Normal", "Pulled", `Successfully pulled image "${c.image}" in 2.1s`, host, fp, new Date(t + 2600));
    ev.record(p, "Normal", "Created", `Created container ${c.name}`, host, fp, new Date(t + 2700));
    ev.record(p, "Normal", "Started", `Started container ${c.name}`, host, fp, new Date(t + 3000));
  }
}

function hashIndex(s: string): number {
  return hash(s) % 100_000;
}
