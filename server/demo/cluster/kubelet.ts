import type { EventRecorder } from "./events";
import type { Store } from "./store";
import { timestamp } from "./store";
import type { Timing } from "./timing";
import type { Condition, ContainerStatus, NodeObject, Pod } from "./types";
import { isCrashImage } from "./workloads";

// The scheduler and the kubelets of a few fake nodes: pods are placed on a node, then go ContainerCreating → Running →
// Ready on the configured delays. A container whose image tag contains "crash" exits with an error shortly after it
// starts and is restarted with growing back-off (CrashLoopBackOff), never becoming ready. Deleted pods terminate for
// terminateMs, then disappear.

export const NODES = [
  { name: "demo-node-1", ip: "10.0.0.11", zone: "demo-a" },
  { name: "demo-node-2", ip: "10.0.0.12", zone: "demo-b" },
  { name: "demo-node-3", ip: "10.0.0.13", zone: "demo-c" },
];

type Stage = "creating" | "running" | "ready" | "exited" | "backoff";
type PodSim = { stage: Stage; since: number; factor: number; crash: boolean; restarts: number; terminatingSince?: number };

export class Kubelets {
  private readonly sims = new Map<string, PodSim>();
  private ipCounter = 10;

  constructor(
    private readonly store: Store,
    private readonly events: EventRecorder,
    private readonly timing: Timing,
  ) {}

  nodes(created: string): NodeObject[] {
    return NODES.map((n) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: n.name,
        uid: "",
        resourceVersion: "",
        creationTimestamp: created,
        labels: { "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "topology.kubernetes.io/zone": n.zone, "node.opsdeck.dev/demo": "true" },
      },
      spec: { podCIDR: `10.244.${NODES.indexOf(n)}.0/24` },
      status: {
        capacity: { cpu: "4", memory: "16Gi", pods: "110" },
        allocatable: { cpu: "3800m", memory: "15Gi", pods: "110" },
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: created, lastTransitionTime: created }],
        addresses: [
          { type: "InternalIP", address: n.ip },
          { type: "Hostname", address: n.name },
        ],
        nodeInfo: { kubeletVersion: "v1.20.2", containerRuntimeVersion: "containerd://1.6.20", osImage: "Opsdeck demo node", kernelVersion: "6.1.0-demo", operatingSystem: "linux", architecture: "amd64" },
      },
    }));
  }

  /** Marks a pod already running and ready (seeded state), so the kubelet does not replay its start. */
  adoptRunning(pod: Pod, since: number) {
    this.sims.set(pod.metadata.uid, { stage: "ready", since, factor: 1, crash: false, restarts: 0 });
  }

  forget(uid: string) {
    this.sims.delete(uid);
  }

  tick(now: number): void {
    for (const p of [...this.store.peek<Pod>("pods")]) {
      // Running, ready pods have nothing to do: skip them without copying (most pods, most of the time).
      if (!p.metadata.deletionTimestamp && p.spec.nodeName && this.sims.get(p.metadata.uid)?.stage === "ready") continue;
      const pod = structuredClone(p);
      if (pod.metadata.deletionTimestamp) this.terminate(pod, now);
      else if (!pod.spec.nodeName) this.schedule(pod, now);
      else this.advance(pod, now);
    }
  }

  private simOf(pod: Pod, now: number): PodSim {
    let s = this.sims.get(pod.metadata.uid);
    if (!s) {
      s = { stage: "creating", since: now, factor: 0.8 + Math.random() * 0.5, crash: pod.spec.containers.some((c) => isCrashImage(c.image)), restarts: 0 };
      this.sims.set(pod.metadata.uid, s);
    }
    return s;
  }

  private schedule(pod: Pod, now: number) {
    const load = new Map(NODES.map((n) => [n.name, 0]));
    for (const p of this.store.peek<Pod>("pods")) if (p.spec.nodeName) load.set(p.spec.nodeName, (load.get(p.spec.nodeName) ?? 0) + 1);
    const node = NODES.slice().sort((a, b) => (load.get(a.name) ?? 0) - (load.get(b.name) ?? 0))[0]!;
    const at = new Date(now);
    pod.spec.nodeName = node.name;
    pod.status = {
      ...pod.status,
      phase: "Pending",
      hostIP: node.ip,
      startTime: timestamp(at),
      qosClass: "BestEffort",
      conditions: conditions(at, { scheduled: true, initialized: true, ready: false, containerNames: pod.spec.containers.map((c) => c.name) }),
      containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, state: { waiting: { reason: "ContainerCreating" } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: "", started: false })),
    };
    const saved = this.store.update("pods", pod);
    this.simOf(saved, now);
    this.events.record(saved, "Normal", "Scheduled", `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.name}`, { component: "default-scheduler" }, undefined, at);
  }

  private advance(pod: Pod, now: number) {
    const s = this.simOf(pod, now);
    const at = new Date(now);
    const t = this.timing;
    const elapsed = now - s.since;
    const host = { component: "kubelet", host: pod.spec.nodeName };
    const names = pod.spec.containers.map((c) => c.name);
    switch (s.stage) {
      case "creating": {
        if (elapsed < t.podStartMs * s.factor) return;
        pod.status.podIP ??= this.nextIp(pod.spec.nodeName!);
        pod.status.podIPs = [{ ip: pod.status.podIP }];
        pod.status.phase = "Running";
        pod.status.containerStatuses = pod.spec.containers.map((c, i) => running(c.name, c.image, at, 0, pod.metadata.uid, i));
        pod.status.conditions = conditions(at, { scheduled: true, initialized: true, ready: false, containerNames: names }, pod.status.conditions);
        this.store.update("pods", pod);
        for (const c of pod.spec.containers) {
          const fp = `spec.containers{${c.name}}`;
          this.events.record(pod, "Normal", "Pulling", `Pulling image "${c.image}"`, host, fp, at);
          this.events.record(pod, "Normal", "Pulled", `Successfully pulled image "${c.image}" in ${(t.podStartMs * s.factor / 1000).toFixed(3)}s`, host, fp, at);
          this.events.record(pod, "Normal", "Created", `Created container ${c.name}`, host, fp, at);
          this.events.record(pod, "Normal", "Started", `Started container ${c.name}`, host, fp, at);
        }
        s.stage = "running";
        s.since = now;
        return;
      }
      case "running": {
        if (s.crash) {
          if (elapsed < Math.max(t.podReadyMs * 0.5, t.tickMs)) return;
          pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs) => {
            const crashing = isCrashImage(cs.image);
            if (!crashing) return cs;
            const startedAt = "running" in cs.state ? cs.state.running.startedAt : timestamp(at);
            return { ...cs, ready: false, started: false, state: { terminated: { exitCode: 1, reason: "Error", startedAt, finishedAt: timestamp(at), containerID: cs.containerID } } };
          });
          this.store.update("pods", pod);
          s.stage = "exited";
          s.since = now;
          return;
        }
        if (elapsed < t.podReadyMs * s.factor) return;
        pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs) => ({ ...cs, ready: true }));
        pod.status.conditions = conditions(at, { scheduled: true, initialized: true, ready: true, containerNames: names }, pod.status.conditions);
        this.store.update("pods", pod);
        s.stage = "ready";
        s.since = now;
        return;
      }
      case "exited": {
        // The kubelet notices the exit, then waits out the back-off before restarting.
        if (elapsed < t.tickMs) return;
        pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs) =>
          "terminated" in cs.state
            ? { ...cs, lastState: cs.state, state: { waiting: { reason: "CrashLoopBackOff", message: `back-off ${backoffSeconds(s.restarts)}s restarting failed container=${cs.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } } }
            : cs,
        );
        this.store.update("pods", pod);
        for (const c of pod.spec.containers.filter((c) => isCrashImage(c.image))) {
          this.events.record(pod, "Warning", "BackOff", "Back-off restarting failed container", host, `spec.containers{${c.name}}`, at);
        }
        s.stage = "backoff";
        s.since = now;
        return;
      }
      case "backoff": {
        if (elapsed < backoffMs(t, s.restarts)) return;
        s.restarts++;
        pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs, i) =>
          "waiting" in cs.state && cs.state.waiting.reason === "CrashLoopBackOff" ? { ...running(cs.name, cs.image, at, cs.restartCount + 1, pod.metadata.uid, i), lastState: cs.lastState } : cs,
        );
        this.store.update("pods", pod);
        for (const c of pod.spec.containers.filter((c) => isCrashImage(c.image))) {
          const fp = `spec.containers{${c.name}}`;
          this.events.record(pod, "Normal", "Pulled", `Container image "${c.image}" already present on machine`, host, fp, at);
          this.events.record(pod, "Normal", "Created", `Created container ${c.name}`, host, fp, at);
          this.events.record(pod, "Normal", "Started", `Started container ${c.name}`, host, fp, at);
        }
        s.stage = "running";
        s.since = now;
        return;
      }
      case "ready":
        return;
    }
  }

  private terminate(pod: Pod, now: number) {
    const s = this.simOf(pod, now);
    if (s.terminatingSince === undefined) {
      s.terminatingSince = now;
      const at = new Date(now);
      if (pod.spec.nodeName) {
        for (const c of pod.spec.containers) this.events.record(pod, "Normal", "Killing", `Stopping container ${c.name}`, { component: "kubelet", host: pod.spec.nodeName }, `spec.containers{${c.name}}`, at);
      }
      pod.status.containerStatuses = (pod.status.containerStatuses ?? []).map((cs) => ({ ...cs, ready: false }));
      pod.status.conditions = conditions(at, { scheduled: !!pod.spec.nodeName, initialized: true, ready: false, containerNames: pod.spec.containers.map((c) => c.name) }, pod.status.conditions);
      this.store.update("pods", pod);
    }
    const grace = Math.min(this.timing.terminateMs, (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000);
    if (now - s.terminatingSince >= grace || !pod.spec.nodeName) {
      this.store.delete("pods", pod.metadata.namespace, pod.metadata.name);
      this.sims.delete(pod.metadata.uid);
    }
  }

  private nextIp(nodeName: string): string {
    const idx = Math.max(0, NODES.findIndex((n) => n.name === nodeName));
    this.ipCounter = this.ipCounter >= 250 ? 10 : this.ipCounter + 1;
    return `10.244.${idx}.${this.ipCounter}`;
  }
}

function backoffMs(t: Timing, restarts: number): number {
  const base = Math.max(t.podStartMs, t.tickMs * 2);
  return Math.min(base * 2 ** restarts, base * 16);
}

function backoffSeconds(restarts: number): number {
  return Math.min(10 * 2 ** restarts, 300);
}

function running(name: string, image: string, at: Date, restartCount: number, podUid: string, i: number): ContainerStatus {
  const containerID = `containerd://${podUid.replace(/-/g, "")}${String(i)}${String(restartCount)}`.slice(0, 77);
  return { name, state: { running: { startedAt: timestamp(at) } }, lastState: {}, ready: false, restartCount, image, imageID: `${image.split(":")[0]}@sha256:${podUid.replace(/-/g, "").padEnd(64, "0").slice(0, 64)}`, containerID, started: true };
}

/** The four pod conditions, keeping lastTransitionTime where the status did not change. */
export function conditions(at: Date, s: { scheduled: boolean; initialized: boolean; ready: boolean; containerNames: string[] }, prev: Condition[] = []): Condition[] {
  const ts = timestamp(at);
  const make = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const before = prev.find((c) => c.type === type);
    const status = ok ? "True" : "False";
    return { type, status, lastProbeTime: null, lastTransitionTime: before && before.status === status ? before.lastTransitionTime : ts, ...(ok ? {} : { reason, message }) };
  };
  const unready = `containers with unready status: [${s.containerNames.join(" ")}]`;
  return [
    make("Initialized", s.initialized),
    make("Ready", s.ready, "ContainersNotReady", unready),
    make("ContainersReady", s.ready, "ContainersNotReady", unready),
    make("PodScheduled", s.scheduled),
  ];
}

export function podReady(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Ready for at least minReadySeconds (what the controllers count as available). */
export function podAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  if (!podReady(p)) return false;
  if (!minReadySeconds) return true;
  const since = p.status.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  return !!since && now - Date.parse(since) >= minReadySeconds * 1000;
}
