import { EventEmitter } from "node:events";
import pg from "pg";
import type { Db } from "@/server/db/client";
import { log } from "@/server/log";

/**
 * Change fan-out between processes (DESIGN "Scale-out"): a worker on replica A moves a deploy, the browser streaming
 * from replica B hears of it. Payloads carry ids only; readers fetch the rows, so a lost or duplicated event costs
 * one extra read, never a wrong picture.
 *
 *  - Real Postgres: `pg_notify` on one channel; each process holds ONE listening connection per database (opened on
 *    the first subscription, closed with the last) and dispatches by topic in memory.
 *  - Embedded PGlite serves every client in one session, so NOTIFY never reaches another connection; there the app is
 *    a single process (web + inline worker) and events are delivered in memory.
 *
 * Usage (subscribe BEFORE reading the initial state, or a change in between is missed):
 *   const events = await subscribe(db, `deploy:${id}`, signal);
 *   yield await load();
 *   for await (const e of events) yield await load();
 * `liveQuery` below does exactly that, with coalescing and a safety re-read.
 */

export const CHANNEL = "opsdeck_events";
/** NOTIFY payloads are limited to 8000 bytes; ids-only payloads stay far below. */
const MAX_PAYLOAD = 7900;

export type EventPayload = Record<string, string | number | boolean | null>;
/** `resync: true` means events may have been lost (listener reconnected, buffer overflow): re-read everything. */
export type BusEvent = { topic: string; payload: EventPayload; resync?: boolean };

type BusMode = { kind: "notify"; url: string } | { kind: "local" };

/**
 * Process-wide state lives on globalThis: Next bundles instrumentation (the inline worker) and route handlers as separate
 * module graphs, so module-level variables would give each its own bus and the worker's events would never reach the
 * subscriptions served by route handlers.
 */
type BusState = { modes: WeakMap<object, BusMode>; local: EventEmitter; listeners: Map<string, Listener> };
const anchor = globalThis as unknown as { opsdeckEventBus?: BusState };
const bus: BusState = (anchor.opsdeckEventBus ??= { modes: new WeakMap(), local: new EventEmitter().setMaxListeners(0), listeners: new Map() });

/** Called by createDb: remembers how events travel for this client. */
export function registerEventMode(db: object, mode: BusMode): void {
  bus.modes.set(db, mode);
}

function modeOf(db: Db): BusMode {
  return bus.modes.get(db) ?? { kind: "local" };
}

/**
 * Announces a change. Call it AFTER the transaction that made the change committed (readers must find the new rows).
 * A failed notification is logged, not thrown: the change itself is already durable. Only a payload too large for
 * NOTIFY throws (a programming error: payloads carry ids).
 */
export async function publish(db: Db, topic: string, payload: EventPayload = {}): Promise<void> {
  const mode = modeOf(db);
  if (mode.kind === "local") {
    bus.local.emit(eventKey(mode, topic), { topic, payload } satisfies BusEvent);
    return;
  }
  const text = JSON.stringify({ topic, payload });
  if (text.length > MAX_PAYLOAD) throw new Error(`event payload for ${topic} too large (${text.length} bytes); send ids only`);
  try {
    await db.$executeRaw`SELECT pg_notify(${CHANNEL}, ${text})`;
  } catch (err) {
    log.warn({ err, topic }, "event publish failed");
  }
}

function eventKey(mode: BusMode, topic: string): string {
  return mode.kind === "local" ? `local\0${topic}` : `${mode.url}\0${topic}`;
}

/** One LISTEN connection per database URL in this process, shared by all its subscriptions. */
class Listener {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private refs = 0;
  private closed = false;
  private retryMs = 250;

  constructor(private readonly url: string, private readonly onGone: () => void) {}

  async acquire(): Promise<void> {
    this.refs += 1;
    this.closed = false;
    await (this.connecting ??= this.connect());
  }

  release(): void {
    this.refs -= 1;
    if (this.refs > 0) return;
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.connecting = null;
    this.onGone();
    if (c) void c.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "opsdeck-events" });
    client.on("notification", (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const ev = JSON.parse(msg.payload) as BusEvent;
        bus.local.emit(`${this.url}\0${ev.topic}`, ev);
      } catch (err) {
        log.warn({ err }, "malformed event payload ignored");
      }
    });
    client.on("error", (err) => {
      if (this.closed || this.client !== client) return;
      log.warn({ err: err.message }, "event listener connection lost; reconnecting");
      this.client = null;
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    this.retryMs = 250;
  }

  private scheduleReconnect(): void {
    setTimeout(() => {
      if (this.closed) return;
      this.connecting = this.connect()
        .then(() => {
          // Whatever happened while we were away is unknown: every subscriber re-reads.
          bus.local.emit(`${this.url}\0*resync`);
        })
        .catch((err: Error) => {
          log.warn({ err: err.message }, "event listener reconnect failed");
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          this.scheduleReconnect();
        });
    }, this.retryMs).unref();
  }
}

function listenerFor(url: string): Listener {
  let l = bus.listeners.get(url);
  if (!l) {
    l = new Listener(url, () => bus.listeners.delete(url));
    bus.listeners.set(url, l);
  }
  return l;
}

/**
 * Subscribes to one or more topics. Resolves once the subscription is live; the iterable ends when `signal` aborts.
 * A slow reader does not grow memory without bound: past 1000 queued events they collapse into one `resync`.
 */
export type Subscription = AsyncIterable<BusEvent> & {
  /** Takes everything queued so far (e.g. to collapse a burst into one read). */
  drain(): BusEvent[];
};

export async function subscribe(db: Db, topics: string | string[], signal?: AbortSignal): Promise<Subscription> {
  const mode = modeOf(db);
  const list = Array.isArray(topics) ? topics : [topics];
  const queue: BusEvent[] = [];
  let wake: (() => void) | null = null;
  const push = (ev: BusEvent) => {
    if (queue.length >= 1000) queue.splice(0, queue.length, { topic: ev.topic, payload: {}, resync: true });
    else queue.push(ev);
    wake?.();
  };
  const onResync = () => push({ topic: "*", payload: {}, resync: true });
  const keys = list.map((t) => eventKey(mode, t));
  for (const k of keys) bus.local.on(k, push);
  let listener: Listener | null = null;
  if (mode.kind === "notify") {
    listener = listenerFor(mode.url);
    bus.local.on(`${mode.url}\0*resync`, onResync);
    try {
      await listener.acquire();
    } catch (err) {
      for (const k of keys) bus.local.off(k, push);
      bus.local.off(`${mode.url}\0*resync`, onResync);
      listener.release();
      throw err;
    }
  }
  let done = false;
  const stop = () => {
    if (done) return;
    done = true;
    for (const k of keys) bus.local.off(k, push);
    if (mode.kind === "notify") bus.local.off(`${mode.url}\0*resync`, onResync);
    listener?.release();
    wake?.();
  };
  if (signal?.aborted) stop();
  else signal?.addEventListener("abort", stop, { once: true });

  return {
    drain: () => queue.splice(0),
    async *[Symbol.asyncIterator]() {
      try {
        while (!done) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        stop();
      }
    },
  };
}

/**
 * The shape of every live view: the current state first, then a fresh read after each burst of events on `topics`
 * (events within `coalesceMs` collapse into one read), and a safety re-read every `pollMs` so a notification lost in
 * transit heals itself. Yields only when the value changed (compared by `key`, default JSON).
 */
export async function* liveQuery<T>(
  db: Db,
  topics: string | string[],
  signal: AbortSignal | undefined,
  load: () => Promise<T>,
  opts: { coalesceMs?: number; pollMs?: number; key?: (v: T) => string; until?: (v: T) => boolean } = {},
): AsyncGenerator<T> {
  const ctl = new AbortController();
  const abort = () => ctl.abort();
  signal?.addEventListener("abort", abort, { once: true });
  const key = opts.key ?? ((v: T) => JSON.stringify(v));
  const events = await subscribe(db, topics, ctl.signal);
  const it = events[Symbol.asyncIterator]();
  let last: string | null = null;
  try {
    let pending: Promise<IteratorResult<BusEvent>> | null = null;
    while (!ctl.signal.aborted) {
      const value = await load();
      const k = key(value);
      if (k !== last) {
        last = k;
        yield value;
      }
      if (opts.until?.(value)) return;
      pending ??= it.next();
      const poll = new Promise<"poll">((r) => setTimeout(() => r("poll"), opts.pollMs ?? 5_000).unref());
      const got = await Promise.race([pending, poll]);
      if (got !== "poll") {
        pending = null;
        if (got.done) return;
        // Let a burst of events settle into one read.
        await new Promise((r) => setTimeout(r, opts.coalesceMs ?? 25));
        events.drain();
      }
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    ctl.abort();
    await it.return?.();
  }
}
