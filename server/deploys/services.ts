import { TRPCError } from "@trpc/server";
import type { Db, Tx } from "@/server/db/client";
import { normalizeRef } from "@/server/catalog/refs";
import type { KubernetesProvider, Target, Workload, WorkloadSelector } from "@/server/providers/kubernetes";
import type { Environment } from "./config";

/** Entity → workload (docs/deploys.md "Which Deployment"): the first annotation present wins. */
export const DEPLOYMENT_ANNOTATION = "opsdeck.dev/deployment";
export const KUBERNETES_ID_ANNOTATION = "backstage.io/kubernetes-id";
export const CONTAINER_ANNOTATION = "opsdeck.dev/container";
/** The label that marks a canary Deployment and its pods (stable ones never carry track=canary). */
export const CANARY_LABEL = "track";
export const CANARY_VALUE = "canary";
/** The canary Deployment beside a stable one. */
export const canaryName = (workload: string) => `${workload}-canary`;

/** A catalog Component as deploys see it. */
export type Service = {
  ref: string;
  name: string;
  title: string | null;
  ownerTeamId: string | null;
  annotations: Record<string, string>;
};

export function canonicalServiceRef(input: string): string {
  const ref = normalizeRef(input, { kind: "Component" });
  if (!ref) throw new TRPCError({ code: "BAD_REQUEST", message: `not an entity ref: ${input}` });
  return ref;
}

export async function loadService(db: Db | Tx, refInput: string): Promise<Service> {
  const ref = canonicalServiceRef(refInput);
  const e = await db.entity.findUnique({ where: { ref }, select: { ref: true, kind: true, name: true, title: true, ownerTeamId: true, metadata: true } });
  if (!e) throw new TRPCError({ code: "NOT_FOUND", message: `no catalog entity ${ref}` });
  if (e.kind !== "Component") throw new TRPCError({ code: "BAD_REQUEST", message: `${ref} is a ${e.kind}; only Components are deployed` });
  const meta = (e.metadata ?? {}) as { annotations?: Record<string, unknown> };
  const annotations = Object.fromEntries(Object.entries(meta.annotations ?? {}).filter((x): x is [string, string] => typeof x[1] === "string"));
  return { ref: e.ref, name: e.name, title: e.title, ownerTeamId: e.ownerTeamId, annotations };
}

/** Owning team ids of a service ref (for team-scoped permissions); none when the ref is unknown. */
export async function serviceTeams(db: Db, refInput: string): Promise<{ teamIds: string[] }> {
  const ref = normalizeRef(refInput, { kind: "Component" });
  if (!ref) return { teamIds: [] };
  const e = await db.entity.findUnique({ where: { ref }, select: { ownerTeamId: true } });
  return { teamIds: e?.ownerTeamId ? [e.ownerTeamId] : [] };
}

/** The id the workload carries in its labels: the kubernetes-id annotation, else the entity name. */
export function kubernetesId(s: Service): string {
  return s.annotations[KUBERNETES_ID_ANNOTATION]?.trim() || s.name;
}

/**
 * How to find the service's Deployment and its pods in one environment. `watchSelector` picks the service's
 * Deployments and pods, stable and canary alike (what the live view shows); `workloads` are the selectors to try for
 * the stable Deployment, in order.
 */
export function workloadSelectors(s: Service): { workloads: WorkloadSelector[]; watchSelectors: string[] } {
  const named = s.annotations[DEPLOYMENT_ANNOTATION]?.trim();
  const id = kubernetesId(s);
  const byLabel = [`app.kubernetes.io/name=${id}`, `app=${id}`];
  if (named) return { workloads: [{ name: named }], watchSelectors: byLabel };
  return { workloads: byLabel.map((l) => ({ labelSelector: `${l},${CANARY_LABEL}!=${CANARY_VALUE}` })), watchSelectors: byLabel };
}

export function targetOf(env: Environment): Target {
  return { cluster: env.context, namespace: env.namespace };
}

/** The stable Deployment of a service in an environment, or null when none is found. */
export async function resolveWorkload(kube: KubernetesProvider, env: Environment, s: Service): Promise<Workload | null> {
  for (const sel of workloadSelectors(s).workloads) {
    const w = await kube.getWorkload(targetOf(env), sel);
    if (w) return w;
  }
  return null;
}

/** The container whose image a deploy sets: the opsdeck.dev/container annotation, one named like the Deployment or the service, or the first. */
export function deployContainer(s: Service, w: Workload): { name: string; image: string } {
  const wanted = s.annotations[CONTAINER_ANNOTATION]?.trim();
  const c =
    (wanted && w.containers.find((x) => x.name === wanted)) ||
    w.containers.find((x) => x.name === w.name || x.name === s.name || x.name === kubernetesId(s)) ||
    w.containers[0];
  if (!c) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `deployment ${w.name} has no containers` });
  if (wanted && c.name !== wanted) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `deployment ${w.name} has no container "${wanted}" (${CONTAINER_ANNOTATION})` });
  return c;
}
