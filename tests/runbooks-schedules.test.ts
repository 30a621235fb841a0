import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { runSchedules, occurrences } from "@/server/runbooks/schedules";
import { useTestDatabase } from "./helpers/db";
import { auditSince, callerFor, lastSeq, uniq } from "./helpers/fixtures";
import { createRunbook, crew, rbYaml } from "./runbooks-fixtures";

// Schedules: one run per occurrence however many processes tick (the slot row is claimed first), and occurrences
// missed while Opsdeck was down are reported once — never run late, never run in bulk.

process.env.OPSDECK_RUNBOOK_PATHS = "off";

const minute = 60_000;
const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / minute) * minute);

describe("runbook schedules", () => {
  const t = useTestDatabase();
  const second = { db: null as ReturnType<typeof createDb> | null };
  afterAll(async () => {
    await second.db?.$disconnect();
  });

  async function scheduled(concurrency = 0) {
    const people = await crew(t.db);
    const name = uniq("nightly");
    await createRunbook(
      t.db,
      people.engineer,
      rbYaml(name, people.team.slug, `  concurrency: ${concurrency}
  params:
    - name: level
      type: enum
      options: [quick, full]
  schedules:
    - id: every_minute
      cron: "* * * * *"
      params: { level: full }
  steps:
    - id: run
      type: shell
      run: echo "level $PARAM_LEVEL"
`),
    );
    const rb = await t.db.runbook.findUniqueOrThrow({ where: { name } });
    return { people, name, rb };
  }

  it("cron occurrences", () => {
    const from = new Date("2026-11-26T10:00:30Z");
    expect(occurrences("*/15 * * * *", "UTC", from, new Date("2026-11-26T11:00:00Z")).map((d) => d.toISOString())).toEqual([
      "2026-11-26T10:15:00.000Z",
      "2026-11-26T10:30:00.000Z",
      "2026-11-26T10:45:00.000Z",
      "2026-11-26T11:00:00.000Z",
    ]);
  });

  it("a due occurrence fires once even when two processes tick at the same time", async () => {
    const { name, rb } = await scheduled();
    const now = new Date(floorMinute(new Date()).getTime() + 5_000);
    await t.db.runbookSchedule.updateMany({ where: { runbookId: rb.id }, data: { checkedUntil: new Date(now.getTime() - 30_000) } });
    second.db ??= createDb(t.url, { max: 4 });
    const seq = await lastSeq(t.db);
    const [a, b] = await Promise.all([runSchedules(t.db, now), runSchedules(second.db, now)]);
    expect(a.fired + b.fired).toBe(1);
    expect(a.missed + b.missed).toBe(0);
    const runs = await t.db.runbookRun.findMany({ where: { runbookId: rb.id } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: "schedule", scheduleId: "every_minute", requestedById: null, requestedBy: `schedule:${name}/every_minute`, state: "queued", params: { level: "full" } });
    const slots = await t.db.runbookScheduleSlot.findMany({ where: { runbookId: rb.id } });
    expect(slots).toEqual([expect.objectContaining({ slotAt: floorMinute(now), outcome: "started", runId: runs[0]!.id })]);
    expect((await auditSince(t.db, seq)).map((e) => e.action)).toEqual(["runbook.schedule.fire"]);
    // ticking again for the same minute does nothing
    expect(await runSchedules(t.db, new Date(now.getTime() + 10_000))).toEqual({ fired: 0, missed: 0, skipped: 0 });
    // the slot row itself refuses a second claim
    await expect(t.db.runbookScheduleSlot.create({ data: { runbookId: rb.id, scheduleId: "every_minute", slotAt: floorMinute(now), outcome: "started", claimedBy: "x" } })).rejects.toThrow();
  });

  it("occurrences missed while down are one `missed` record in the history; only the current one runs", async () => {
    const { people, name, rb } = await scheduled();
    const now = new Date(floorMinute(new Date()).getTime() + 20_000);
    const downSince = new Date(now.getTime() - 10 * minute - 5_000);
    await t.db.runbookSchedule.updateMany({ where: { runbookId: rb.id }, data: { checkedUntil: downSince } });
    const res = await runSchedules(t.db, now);
    expect(res).toEqual({ fired: 1, missed: 9, skipped: 0 });
    const runs = await t.db.runbookRun.findMany({ where: { runbookId: rb.id }, orderBy: { createdAt: "asc" } });
    expect(runs.map((r) => r.state)).toEqual(["missed", "queued"]);
    expect(runs[0]!.message).toMatch(/^missed 9 scheduled runs \(every_minute: \* \* \* \* \*\) between .* while Opsdeck was not running; not run late$/);
    expect(runs[0]!.createdAt).toEqual(new Date(floorMinute(now).getTime() - minute));
    // the history shows it, and can filter to scheduled runs or missed ones
    const history = await callerFor(t.db, people.viewer).runbooks.runs({ runbook: name });
    expect(history.items.map((r) => r.state)).toEqual(["queued", "missed"]);
    expect((await callerFor(t.db, people.viewer).runbooks.runs({ runbook: name, state: ["missed"] })).items).toHaveLength(1);
    expect((await callerFor(t.db, people.viewer).runbooks.runs({ runbook: name, who: "schedule" })).items).toHaveLength(2);
  });

  it("an occurrence older than the grace period does not run late: it is reported missed with the others", async () => {
    const { rb } = await scheduled();
    const now = new Date(floorMinute(new Date()).getTime() + 5_000);
    // hourly, at a minute 10 minutes ago: Opsdeck was down 3 hours and came back 10 minutes after the last one was due
    const m = new Date(now.getTime() - 10 * minute).getUTCMinutes();
    await t.db.runbookSchedule.updateMany({ where: { runbookId: rb.id }, data: { cron: `${m} * * * *`, timezone: "UTC", checkedUntil: new Date(now.getTime() - 3 * 60 * minute - 30_000) } });
    expect(await runSchedules(t.db, now)).toEqual({ fired: 0, missed: 3, skipped: 0 });
    const runs = await t.db.runbookRun.findMany({ where: { runbookId: rb.id } });
    expect(runs.map((r) => r.state)).toEqual(["missed"]);
    expect(runs[0]!.message).toMatch(/^missed 3 scheduled runs/);
  });

  it("an occurrence that cannot start (concurrency limit) is recorded as skipped, with why", async () => {
    const { people, name, rb } = await scheduled(1);
    await callerFor(t.db, people.engineer).runbooks.start({ name, params: { level: "quick" } }); // holds the only slot (no worker here)
    const now = new Date(floorMinute(new Date()).getTime() + 5_000);
    await t.db.runbookSchedule.updateMany({ where: { runbookId: rb.id }, data: { checkedUntil: new Date(now.getTime() - 30_000) } });
    expect(await runSchedules(t.db, now)).toEqual({ fired: 0, missed: 0, skipped: 1 });
    const skipped = await t.db.runbookRun.findFirstOrThrow({ where: { runbookId: rb.id, state: "skipped" } });
    expect(skipped.message).toMatch(/not started: .* allows 1 active run at a time/);
    expect(await t.db.runbookScheduleSlot.findFirst({ where: { runbookId: rb.id } })).toMatchObject({ outcome: "skipped", runId: skipped.id });
  });

  it("schedules follow the definition: removing one deletes it; a new one starts counting from now", async () => {
    const { people, name, rb } = await scheduled();
    const v = await callerFor(t.db, people.engineer).runbooks.get({ name });
    expect(v.schedules).toEqual([expect.objectContaining({ id: "every_minute", cron: "* * * * *", enabled: true, next: expect.any(Date), params: { level: "full" } })]);
    const yaml = v.version.yaml.replace(/ {2}schedules:\n[\s\S]*? {2}steps:/, '  schedules:\n    - id: hourly\n      cron: "0 * * * *"\n      params: { level: quick }\n  steps:');
    await callerFor(t.db, people.engineer).runbooks.update({ name, yaml, baseVersion: 1, message: "hourly instead" });
    const rows = await t.db.runbookSchedule.findMany({ where: { runbookId: rb.id } });
    expect(rows.map((r) => [r.scheduleId, r.cron])).toEqual([["hourly", "0 * * * *"]]);
    expect(Date.now() - rows[0]!.checkedUntil.getTime()).toBeLessThan(10_000);
  });
});
