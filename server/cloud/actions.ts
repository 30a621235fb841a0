import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Tx } from "@/server/db/client";
import type { Db } from "@/server/db/client";
import type { AuditedChange } from "@/server/audit/append";
import { publish } from "@/server/events/bus";
import { enqueueJob } from "@/server/jobs/enqueue";
import { CloudActionError, type CloudProvider } from "@/server/providers/cloud";
import { CLOUD_REFRESH_TASK, CLOUD_TOPIC } from "./refresh";
import { resourceRow } from "./queries";

type Audited = <T>(change: (tx: Tx) => Promise<AuditedChange<T>>) => Promise<T>;

export const instanceActionInput = z.object({ id: z.string().min(1).max(100), action: z.enum(["start", "stop", "reboot"]) });
/** The payload is JSON text (as typed in the UI); at most 256 KiB like Lambda's synchronous limit. */
export const invokeInput = z.object({
  id: z.string().min(1).max(100),
  payload: z
    .string()
    .max(256 * 1024)
    .transform((v, ctx) => {
      try {
        return JSON.parse(v || "{}") as unknown;
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `not valid JSON: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
});

export async function requestRefresh(audited: Audited) {
  return audited(async (tx) => {
    await enqueueJob(tx, CLOUD_REFRESH_TASK, {});
    return { result: { queued: true }, targetType: "cloud", targetId: "inventory" };
  });
}

type ProviderFor = (account: string) => CloudProvider | null;

function actionable(r: { demo: boolean; provider: string; account: string }, providerFor: ProviderFor): CloudProvider {
  if (r.demo) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "This is recorded demo data: there is no real instance to act on. Configure OPSDECK_AWS_ACCOUNTS for real actions." });
  const p = r.provider === "aws" ? providerFor(r.account) : null;
  if (!p) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `account ${r.account} is no longer configured` });
  return p;
}

const refuse = (err: unknown): never => {
  if (err instanceof CloudActionError) throw new TRPCError({ code: "BAD_GATEWAY", message: err.message, cause: err });
  throw err;
};

/** Start/stop/reboot an EC2 instance: the call first, then the audited record with the state AWS reported. */
export async function instanceAction(db: Db, audited: Audited, providerFor: ProviderFor, input: z.output<typeof instanceActionInput>) {
  const r = await resourceRow(db, input.id);
  if (r.type !== "ec2.instance") throw new TRPCError({ code: "BAD_REQUEST", message: `${r.name} is a ${r.type}; only EC2 instances can be started, stopped or rebooted` });
  const p = actionable(r, providerFor);
  const out = await p.instanceAction!({ region: r.region, resourceId: r.resourceId, name: r.name }, input.action).catch(refuse);
  const result = await audited(async (tx) => {
    await tx.cloudResource.update({ where: { id: r.id }, data: { state: out.state } });
    return { result: { state: out.state }, targetType: "cloud.resource", targetId: r.resourceId, before: { state: r.state }, after: { action: input.action, state: out.state } };
  });
  await publish(db, CLOUD_TOPIC, { id: r.id });
  return result;
}

/** Invoke a Lambda synchronously with a JSON payload; the audit event keeps the payload and the outcome. */
export async function invokeLambda(db: Db, audited: Audited, providerFor: ProviderFor, input: z.output<typeof invokeInput>) {
  const r = await resourceRow(db, input.id);
  if (r.type !== "lambda.function") throw new TRPCError({ code: "BAD_REQUEST", message: `${r.name} is a ${r.type}, not a Lambda function` });
  const p = actionable(r, providerFor);
  const out = await p.invokeFunction!({ region: r.region, resourceId: r.resourceId, name: r.name }, input.payload).catch(refuse);
  return audited(async () => ({
    result: out,
    targetType: "cloud.resource",
    targetId: r.resourceId,
    after: { payload: input.payload as never, statusCode: out.statusCode, functionError: out.functionError, response: out.payload.slice(0, 2000) },
  }));
}
