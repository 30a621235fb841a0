import type { Prisma } from "@/generated/prisma/client";
import type { Db, Tx } from "@/server/db/client";
import { DEMO_REGISTRY, demoSeed } from "./cluster/seed";

/**
 * Twelve weeks of finished deploys to prod and staging for every workload of the demo cluster, so the DORA page,
 * the overview's last-deploy column and the charts' deploy markers have a plausible history in demo mode
 * (docs/metrics.md "Demo data"). Versions end at the images the demo cluster runs (server/demo/cluster/seed.ts), so
 * the newest history entry is what `kubectl rollout history` shows too. Each service gets a profile (how often it
 * ships, lead time, how often a change fails and how that is repaired) from a hash of its name, spanning the DORA bands.
 *
 * Written once: when the Deploy table holds any row (this history, or real deploys someone made in the demo) it
 * does nothing. Plain rows, not user actions: no audit events (like the rest of the demo seed).
 */

const DEMO_CLUSTER = "opsdeck-demo";
const REASON = "demo history";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEKS = 12;

/** elite … low: deploys per week to prod, median lead time, share of failed changes, share repaired by rolling back. */
const PROFILES = [
  { perWeek: 9, leadHours: 3, failRate: 0.04, rollbackShare: 0.8 },
  { perWeek: 4, leadHours: 20, failRate: 0.08, rollbackShare: 0.6 },
  { perWeek: 1.5, leadHours: 70, failRate: 0.13, rollbackShare: 0.4 },
  { perWeek: 0.6, leadHours: 300, failRate: 0.22, rollbackShare: 0.2 },
] as const;
const REQUESTERS = ["bob@demo.opsdeck.dev", "carol@demo.opsdeck.dev", "erin@demo.opsdeck.dev", "alice@demo.opsdeck.dev"];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
const unit = (s: string) => hash(s) / 0x1_0000_0000;

function olderVersion(v: string, steps: number): string {
  const [major = 1, minor = 0, patch = 0] = v.split(".").map(Number);
  let m = minor;
  let p = patch - steps;
  while (p < 0) {
    m = Math.max(0, m - 1);
    p += 10;
  }
  return `${major}.${m}.${p}`;
}

export async function seedDemoDeployHistory(db: Db | Tx, now = Date.now()): Promise<number> {
  if ((await db.deploy.count({ take: 1 })) > 0) return 0;
  const users = await db.user.findMany({ where: { email: { in: REQUESTERS } }, select: { id: true, email: true } });
  if (!users.length) return 0;
  const rows: Prisma.DeployCreateManyInput[] = [];
  for (const ns of demoSeed().namespaces) {
    if (ns.name !== "prod" && ns.name !== "staging") continue;
    for (const d of ns.deployments) {
      const name = d.name;
      const profile = PROFILES[hash(`profile:${name}`) % PROFILES.length]!;
      const perWeek = profile.perWeek * (ns.name === "staging" ? 2 : 1);
      const tags = [...(d.history ?? []), d.image].map((img) => img.slice(img.lastIndexOf(":") + 1)).reverse(); // newest first
      // Finish times, newest first: the cluster's current revision, then gaps drawn around the profile's cadence.
      const times: number[] = [];
      for (let t = now - (d.deployedAgoMs ?? HOUR), i = 0; t > now - WEEKS * 7 * DAY; i++) {
        times.push(t);
        t -= ((7 * DAY) / perWeek) * (0.25 + 1.5 * unit(`${ns.name}/${name}/gap/${i}`));
      }
      const version = (i: number) => tags[i] ?? olderVersion(tags.at(-1)!, i - tags.length + 1);
      times.forEach((finished, i) => {
        const key = `${ns.name}/${name}/${i}`;
        const id = `demo-${ns.name}-${name}-${String(i).padStart(3, "0")}`;
        const duration = (3 + 9 * unit(`${key}/dur`)) * MINUTE;
        const lead = profile.leadHours * HOUR * (ns.name === "staging" ? 0.6 : 1) * (0.3 + 1.4 * unit(`${key}/lead`));
        // The newest deploy is the running version: it succeeded. Older ones fail at the profile's rate.
        const fails = i > 0 && unit(`${key}/fail`) < profile.failRate;
        const selfRollback = fails && unit(`${key}/how`) < profile.rollbackShare / 2;
        const undone = fails && !selfRollback && unit(`${key}/how`) < profile.rollbackShare;
        const base = {
          entityRef: `component:default/${name}`,
          environment: ns.name,
          cluster: DEMO_CLUSTER,
          namespace: ns.name,
          workload: name,
          container: name,
          strategy: unit(`${key}/canary`) < 0.2 ? ("canary" as const) : ("rolling" as const),
          requestedById: users[hash(`${key}/who`) % users.length]!.id,
          reason: `${REASON}: release ${version(i)}`,
        };
        rows.push({
          ...base,
          id,
          kind: "deploy",
          state: selfRollback ? "rolled_back" : fails && !undone ? "failed" : "succeeded",
          fromVersion: version(i + 1),
          toVersion: version(i),
          fromImage: `${DEMO_REGISTRY}/${name}:${version(i + 1)}`,
          image: `${DEMO_REGISTRY}/${name}:${version(i)}`,
          commitSha: hash(`${key}/sha`).toString(16).padStart(8, "0") + hash(`${key}/sha2`).toString(16).padStart(8, "0"),
          commitTime: new Date(finished - lead),
          message: selfRollback ? "error ratio above the threshold during verification: rolled back" : fails && !undone ? "pods crash-looping: progress deadline exceeded" : "",
          createdAt: new Date(finished - duration - MINUTE),
          startedAt: new Date(finished - duration),
          finishedAt: new Date(finished),
          updatedAt: new Date(finished),
        });
        if (undone) {
          // Looked fine, then someone rolled it back 10–60 minutes later.
          const at = finished + (10 + 50 * unit(`${key}/undo`)) * MINUTE;
          rows.push({
            ...base,
            id: `${id}-rb`,
            kind: "rollback",
            state: "succeeded",
            rollbackOfId: id,
            fromVersion: version(i),
            toVersion: version(i + 1),
            fromImage: `${DEMO_REGISTRY}/${name}:${version(i)}`,
            image: `${DEMO_REGISTRY}/${name}:${version(i + 1)}`,
            reason: `${REASON}: roll back ${version(i)}`,
            createdAt: new Date(at - 3 * MINUTE),
            startedAt: new Date(at - 2 * MINUTE),
            finishedAt: new Date(at),
            updatedAt: new Date(at),
          });
        }
      });
    }
  }
  for (let i = 0; i < rows.length; i += 1000) await db.deploy.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true });
  return rows.length;
}
