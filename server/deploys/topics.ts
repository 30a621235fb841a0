import type { Db } from "@/server/db/client";
import { publish } from "@/server/events/bus";

/**
 * Change-bus topics (payloads: ids only):
 *  - `deploy:<id>`: one deploy changed (its page; also timeline progress);
 *  - `deploys`: a deploy changed state or appeared (lists, the board);
 *  - `deploys:<entityRef>@<environment>`: the same, for one service in one environment (its Deploys tab).
 */
export const deployTopic = (id: string) => `deploy:${id}`;
export const DEPLOYS_TOPIC = "deploys";
export const serviceDeploysTopic = (entityRef: string, environment: string) => `deploys:${entityRef}@${environment}`;

/** Announces that deploys changed state or were created (call after the transaction committed). */
export async function deploysChanged(db: Db, ...ids: (string | null | undefined)[]): Promise<void> {
  const list = ids.filter((id): id is string => Boolean(id));
  if (!list.length) return;
  const rows = await db.deploy.findMany({ where: { id: { in: list } }, select: { id: true, entityRef: true, environment: true } });
  for (const r of rows) {
    await publish(db, deployTopic(r.id), { id: r.id });
    await publish(db, serviceDeploysTopic(r.entityRef, r.environment), { id: r.id });
    await publish(db, DEPLOYS_TOPIC, { id: r.id });
  }
}

/** Announces a timeline update of one deploy (progress figures): only its own page listens. */
export async function deployStepChanged(db: Db, id: string): Promise<void> {
  await publish(db, deployTopic(id), { id });
}
