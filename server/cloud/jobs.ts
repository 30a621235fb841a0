import type { Task } from "graphile-worker";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { crontabLine } from "@/server/jobs/crontab";
import { log } from "@/server/log";
import { systemActor } from "@/server/ci/runs";
import { cloudProviders } from "./config";
import { demoCloudProviders } from "./demo";
import { CLOUD_REFRESH_TASK, refreshInventory } from "./refresh";

/** Configured accounts, or (demo mode without any) the recorded demo inventory. */
export function inventoryProviders() {
  const e = env();
  const configured = cloudProviders(e);
  return configured.length || !e.demoMode ? { providers: configured, demo: false } : { providers: demoCloudProviders(), demo: true };
}

export function cloudTasks(db: Db): Record<string, Task> {
  return {
    // Scheduled (OPSDECK_CLOUD_REFRESH_CRON) and on demand (cloud.refresh).
    [CLOUD_REFRESH_TASK]: async (_payload, helpers) => {
      const { providers, demo } = inventoryProviders();
      if (!providers.length) return;
      await refreshInventory(db, providers, { actor: systemActor("worker", `job:${helpers.job.id}`), demo });
    },
  };
}

/** Demo mode: the recorded inventory is there from the first page view. */
export async function seedCloudOnBoot(db: Db): Promise<void> {
  const { providers, demo } = inventoryProviders();
  if (!demo || (await db.cloudResource.findFirst({ select: { id: true } }))) return;
  // Demo data must never keep the worker from starting.
  await refreshInventory(db, providers, { actor: systemActor("demo", "demo-cloud-fixtures"), demo }).catch((err: unknown) => log.warn({ err }, "demo cloud inventory not loaded"));
}

export const cloudSchedule = () => crontabLine(env().OPSDECK_CLOUD_REFRESH_CRON, CLOUD_REFRESH_TASK, "cloud_refresh_scheduled");
