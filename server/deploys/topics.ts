import type { Db } from "@/server/db/client";
import { publish } from "@/server/events/bus";

/** Change-bus topics (payload: ids only). `deploy:<id>` for one deploy's page; `deploys` for lists and history. */
export const deployTopic = (id: string) => `deploy:${id}`;
export const DEPLOYS_TOPIC = "deploys";

/** Announces that deploys changed (call after the transaction committed). */
export async function deploysChanged(db: Db, ...ids: (string | null | undefined)[]): Promise<void> {
  for (const id of ids) {
    if (!id) continue;
    await publish(db, deployTopic(id), { id });
    await publish(db, DEPLOYS_TOPIC, { id });
  }
}
