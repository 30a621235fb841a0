import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { CHANNEL, liveQuery, publish, subscribe, type BusEvent } from "@/server/events/bus";
import { useTestDatabase } from "./helpers/db";

const run = promisify(execFile);

async function take(events: AsyncIterable<BusEvent>, n: number, timeoutMs = 3000): Promise<BusEvent[]> {
  const got: BusEvent[] = [];
  const it = events[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (got.length < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${got.length}/${n} events`);
    const r = await Promise.race([it.next(), new Promise<"t">((res) => setTimeout(() => res("t"), left))]);
    if (r === "t" || r.done) throw new Error(`timed out after ${got.length}/${n} events`);
    got.push(r.value);
  }
  return got;
}

describe("event bus on real Postgres (LISTEN/NOTIFY)", () => {
  const t = useTestDatabase();
  it("delivers a publish to a subscriber of the topic only", async () => {
    const ctl = new AbortController();
    const events = await subscribe(t.db, ["deploy:1", "deploy:2"], ctl.signal);
    await publish(t.db, "deploy:other", { id: "x" });
    await publish(t.db, "deploy:1", { id: "1" });
    await publish(t.db, "deploy:2", { id: "2", n: 3 });
    const got = await take(events, 2);
    expect(got).toEqual([
      { topic: "deploy:1", payload: { id: "1" } },
      { topic: "deploy:2", payload: { id: "2", n: 3 } },
    ]);
    ctl.abort();
  });

  it("hears a NOTIFY sent by another OS process (another replica)", async () => {
    const ctl = new AbortController();
    const events = await subscribe(t.db, "run:42", ctl.signal);
    const payload = JSON.stringify({ topic: "run:42", payload: { id: "42" } });
    await run("psql", [t.url, "-c", `SELECT pg_notify('${CHANNEL}', '${payload}')`]);
    expect(await take(events, 1)).toEqual([{ topic: "run:42", payload: { id: "42" } }]);
    ctl.abort();
  });

  it("reconnects after the listening connection is killed and tells subscribers to re-read", async () => {
    const ctl = new AbortController();
    const events = await subscribe(t.db, "x", ctl.signal);
    await t.pg.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'opsdeck-events' AND datname = current_database()");
    const [resync] = await take(events, 1, 5000);
    expect(resync!.resync).toBe(true);
    await publish(t.db, "x", { id: "after" });
    expect((await take(events, 1)).map((e) => e.payload)).toEqual([{ id: "after" }]);
    ctl.abort();
  });

  it("closes its listening connection with the last subscriber", async () => {
    const ctl = new AbortController();
    const events = await subscribe(t.db, "y", ctl.signal);
    const count = async () =>
      (await t.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'opsdeck-events' AND datname = current_database()")).rows[0]!.n;
    expect(await count()).toBe(1);
    ctl.abort();
    for await (const _ of events) void _; // ends at once
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBe(0);
  });
});

describe("embedded mode (one session, one process)", () => {
  it("delivers in memory without touching the database", async () => {
    const db = createDb("postgresql://nobody@127.0.0.1:1/none", { embedded: true });
    const ctl = new AbortController();
    const events = await subscribe(db, "a", ctl.signal);
    await publish(db, "a", { id: "1" });
    expect(await take(events, 1)).toEqual([{ topic: "a", payload: { id: "1" } }]);
    ctl.abort();
  });
});

describe("liveQuery", () => {
  const t = useTestDatabase();
  it("yields the current state, re-reads once per burst of events, and stops when told", async () => {
    let value = 0;
    let reads = 0;
    const load = async () => {
      reads += 1;
      return { value };
    };
    const ctl = new AbortController();
    const seen: number[] = [];
    const done = (async () => {
      for await (const v of liveQuery(t.db, "counter", ctl.signal, load, { pollMs: 60_000, coalesceMs: 50, until: (v) => v.value >= 2 })) {
        seen.push(v.value);
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    value = 1;
    // A burst: five events, one read.
    for (let i = 0; i < 5; i++) await publish(t.db, "counter", { i });
    await new Promise((r) => setTimeout(r, 300));
    const readsAfterBurst = reads;
    value = 2;
    await publish(t.db, "counter");
    await done;
    expect(seen).toEqual([0, 1, 2]);
    expect(readsAfterBurst).toBeLessThanOrEqual(3);
  });

  it("heals a lost notification by its safety re-read", async () => {
    let value = "a";
    const ctl = new AbortController();
    const it = liveQuery(t.db, "quiet", ctl.signal, async () => value, { pollMs: 100 })[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe("a");
    value = "b"; // changed without any event
    expect((await it.next()).value).toBe("b");
    ctl.abort();
    await it.return?.(undefined);
  });
});
