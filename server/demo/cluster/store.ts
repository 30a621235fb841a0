import { randomUUID } from "node:crypto";
import { alreadyExists, conflict, notFound } from "./errors";
import type { KObject } from "./types";

// The cluster's state: every object by storage resource ("pods", "deployments", ...), one global resourceVersion counter
// (monotonic across all resources, like etcd's revision), and a bounded history of changes so a watch can resume from a
// resourceVersion a list returned. Objects handed out are copies: callers change a copy and write it back.

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
export type StoreEvent = { type: WatchEventType; resource: string; rv: number; object: KObject; previous: KObject | null };

/** Where each storage resource lives in the API (for error messages). */
export type StorageInfo = { plural: string; group: string };

// Enough for watchers to resume after a reconnect; older resourceVersions get 410 Expired and clients relist (as after
// an etcd compaction).
const HISTORY_LIMIT = 5_000;

export class Store {
  private rv: number;
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private readonly onWrite: () => void;

  constructor(
    private readonly info: (resource: string) => StorageInfo,
    opts: { startRv?: number; onWrite?: () => void } = {},
  ) {
    this.rv = opts.startRv ?? 1000;
    this.onWrite = opts.onWrite ?? (() => {});
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may resume from (older ones get 410 Expired). */
  get oldestResumableRv(): number {
    return this.history.length ? this.history[0]!.rv - 1 : this.rv;
  }

  private bucket(resource: string): Map<string, KObject> {
    let b = this.objects.get(resource);
    if (!b) this.objects.set(resource, (b = new Map()));
    return b;
  }

  get<T extends KObject = KObject>(resource: string, namespace: string | undefined, name: string): T | null {
    const o = this.bucket(resource).get(keyOf(namespace, name));
    return o ? (structuredClone(o) as T) : null;
  }

  mustGet<T extends KObject = KObject>(resource: string, namespace: string | undefined, name: string): T {
    const o = this.get<T>(resource, namespace, name);
    if (!o) throw notFound(this.info(resource).plural, this.info(resource).group, name);
    return o;
  }

  /** All objects of a resource (one namespace or all), sorted by namespace then name like the API server. */
  list<T extends KObject = KObject>(resource: string, namespace?: string): T[] {
    const out: T[] = [];
    for (const o of this.bucket(resource).values()) {
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(structuredClone(o) as T);
    }
    return out.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
  }

  /** Read-only view without copying, for the controllers' hot loops. Never mutate what this returns. */
  peek<T extends KObject = KObject>(resource: string): Iterable<T> {
    return this.bucket(resource).values() as Iterable<T>;
  }

  /** One stored object without copying (never mutate it). */
  peekOne<T extends KObject = KObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    return this.bucket(resource).get(keyOf(namespace, name)) as T | undefined;
  }

  count(resource: string): number {
    return this.bucket(resource).size;
  }

  create<T extends KObject>(resource: string, obj: T, at = new Date()): T {
    const b = this.bucket(resource);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    if (b.has(key)) throw alreadyExists(this.info(resource).plural, this.info(resource).group, obj.metadata.name);
    const stored = structuredClone(obj);
    stored.metadata.uid ||= randomUUID();
    stored.metadata.creationTimestamp ||= timestamp(at);
    stored.metadata.resourceVersion = String(++this.rv);
    b.set(key, stored);
    this.emit({ type: "ADDED", resource, rv: this.rv, object: stored, previous: null });
    return structuredClone(stored);
  }

  /**
   * Replaces an object. With `expectRv` the write only succeeds if the stored resourceVersion still matches (optimistic
   * concurrency, 409 Conflict otherwise). Unchanged objects are not rewritten: no new resourceVersion, no watch event.
   */
  update<T extends KObject>(resource: string, obj: T, expectRv?: string): T {
    const b = this.bucket(resource);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const current = b.get(key);
    const { plural, group } = this.info(resource);
    if (!current) throw notFound(plural, group, obj.metadata.name);
    if (expectRv !== undefined && expectRv !== "" && expectRv !== current.metadata.resourceVersion) throw conflict(plural, group, obj.metadata.name);
    const next = structuredClone(obj);
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    // metadata.generation counts spec changes (objects that have one: deployments, replicasets).
    if (current.metadata.generation !== undefined) {
      next.metadata.generation = current.metadata.generation + (sameJson(current.spec, next.spec) ? 0 : 1);
    }
    if (sameJson(current, next)) return structuredClone(current) as T;
    next.metadata.resourceVersion = String(++this.rv);
    b.set(key, next);
    this.emit({ type: "MODIFIED", resource, rv: this.rv, object: next, previous: current });
    return structuredClone(next);
  }

  delete(resource: string, namespace: string | undefined, name: string): KObject {
    const b = this.bucket(resource);
    const key = keyOf(namespace, name);
    const current = b.get(key);
    if (!current) throw notFound(this.info(resource).plural, this.info(resource).group, name);
    b.delete(key);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: "DELETED", resource, rv: this.rv, object: gone, previous: current });
    return structuredClone(gone);
  }

  /** Changes with resourceVersion > rv, oldest first (for a watch that resumes). */
  since(rv: number): StoreEvent[] {
    const i = this.history.findIndex((e) => e.rv > rv);
    return i < 0 ? [] : this.history.slice(i);
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(ev: StoreEvent) {
    this.history.push(ev);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch {
        /* a broken watcher must not break writes */
      }
    }
    this.onWrite();
  }
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** RFC 3339 with second precision, as Kubernetes writes metav1.Time. */
export function timestamp(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function sameJson(a: unknown, b: unknown): boolean {
  // Objects derived from stored copies keep their key order, so plain JSON usually decides; key order alone must not.
  return JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}
