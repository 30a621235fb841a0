/**
 * A short-lived cache of query results keyed by (data source, query, range, step), with coalescing: concurrent calls
 * for the same key share one upstream request. Failures are not cached (the next call retries). Bounded in entries.
 * Per process on purpose: it only saves load on the data source, no other replica depends on it.
 */
export class QueryCache<T> {
  private readonly entries = new Map<string, { expires: number; value: Promise<T> }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 500,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    const value = load();
    // Pending requests never expire: a slow upstream still serves everyone who asked meanwhile.
    const entry = { expires: Number.POSITIVE_INFINITY, value };
    this.entries.set(key, entry);
    value.then(
      () => {
        if (this.entries.get(key) === entry) entry.expires = this.now() + this.ttlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    this.evict(t);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(t: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [k, e] of this.entries) {
      if (e.expires <= t) this.entries.delete(k);
    }
    // Still too many: drop the oldest inserted (Map keeps insertion order).
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}
