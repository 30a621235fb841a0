import type { Db } from "@/server/db/client";
import type { Principal } from "@/server/auth/roles";
import { callerFor, makeTeam, makeUser, uniq } from "./helpers/fixtures";
import { until } from "./deploys-fixtures";

export { until };

// Shared by tests/runbooks-*.test.ts: a team with people in every role, runbooks created through the API, waiting
// for runs, reading their logs.

export const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "interrupted", "missed", "skipped"];

/** A runbook definition owned by `owner`; `spec` is YAML indented by two spaces (the lines under `spec:`). */
export function rbYaml(name: string, owner: string, spec: string, meta = ""): string {
  return `apiVersion: opsdeck.dev/v1\nkind: Runbook\nmetadata:\n  name: ${name}\n  owner: ${owner}\n${meta}spec:\n${spec}`;
}

export async function crew(db: Db) {
  const team = await makeTeam(db, uniq("ops"));
  const other = await makeTeam(db, uniq("other"));
  const mk = async (role: "viewer" | "engineer" | "oncall" | "admin", name: string) => (await makeUser(db, { name, teams: [[team.id, role]] })).principal;
  return {
    team,
    other,
    viewer: await mk("viewer", "Vera Viewer"),
    engineer: await mk("engineer", "Eddie Engineer"),
    engineer2: await mk("engineer", "Erin Engineer"),
    oncall: await mk("oncall", "Olga Oncall"),
    oncall2: await mk("oncall", "Otto Oncall"),
    admin: (await makeUser(db, { name: "Ada Admin", isGlobalAdmin: true })).principal,
    outsider: (await makeUser(db, { name: "Oscar Outsider", teams: [[other.id, "oncall"]] })).principal,
  };
}

export async function createRunbook(db: Db, author: Principal, yaml: string) {
  return callerFor(db, author).runbooks.create({ yaml });
}

export async function waitRun(db: Db, id: string, states: string[] = TERMINAL, timeoutMs = 20_000) {
  return until(
    `run ${id} in ${states.join("|")}`,
    async () => {
      const r = await db.runbookRun.findUniqueOrThrow({ where: { id }, include: { steps: { orderBy: { index: "asc" } } } });
      return states.includes(r.state) ? r : null;
    },
    timeoutMs,
  );
}

export async function logText(db: Db, id: string): Promise<string> {
  const chunks = await db.runbookLogChunk.findMany({ where: { runId: id }, orderBy: { seq: "asc" } });
  return chunks.map((c) => c.text).join("");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
