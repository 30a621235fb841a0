import type { KubeObject, KubernetesError, KubernetesProvider, Target, WatchResource } from "./types";

/**
 * A shared, in-memory copy of one watched collection (like client-go's informer): one list+watch per
 * (cluster, namespace, resource) in this process, however many deploy followers and browser streams read it.
 * Listeners hear of every change (after the cache is updated) and of errors; they read the cache themselves.
 */
export type InformerListener = (change: { type: "SYNC" | "ADDED" | "MODIFIED" | "DELETED" | "ERROR"; object?: KubeObject; error?: KubernetesError }) => void;

export class Informer {
  readonly objects = new Map<string, KubeObject>();
  /** Set once the first list arrived; `error` holds the last failure until the next successful (re)list. */
  synced = false;
  error: KubernetesError | null = null;
  private readonly listeners = new Set<InformerListener>();
  private readonly ctl = new AbortController();
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    provider: KubernetesProvider,
    readonly target: Target,
    readonly resource: WatchResource,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    void this.run(provider);
  }

  private async run(provider: KubernetesProvider) {
    try {
      for await (const ev of provider.watch(this.target, this.resource, {}, this.ctl.signal)) {
        if (ev.type === "ERROR") {
          this.error = ev.error;
          this.markReady(); // a first answer, even a failure, unblocks readers: they show the error
          this.emit({ type: "ERROR", error: ev.error });
          continue;
        }
        if (ev.type === "SYNC") {
          this.objects.clear();
          for (const o of ev.objects) this.objects.set(keyOf(o), o);
          this.synced = true;
          this.error = null;
          this.markReady();
          this.emit({ type: "SYNC" });
          continue;
        }
        if (ev.type === "DELETED") this.objects.delete(keyOf(ev.object));
        else this.objects.set(keyOf(ev.object), ev.object);
        this.emit({ type: ev.type, object: ev.object });
      }
    } catch {
      // the provider's watch does not throw; a bug here must not take the process down
    }
  }

  private emit(change: Parameters<InformerListener>[0]) {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // one broken listener does not stop the others
      }
    }
  }

  /** Resolves after the first list (or first failure), or after `timeoutMs`. */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
  }

  on(l: InformerListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  list(): KubeObject[] {
    return [...this.objects.values()];
  }

  stop() {
    this.ctl.abort();
    this.listeners.clear();
  }
}

function keyOf(o: KubeObject): string {
  return String(o.metadata?.uid ?? o.metadata?.name ?? "");
}

/**
 * Reference-counted informers per provider. `acquire` returns the shared informer and a release function; the watch
 * stops a little after its last user leaves (so a page reload does not list everything again).
 */
export class InformerPool {
  private readonly entries = new Map<string, { informer: Informer; refs: number; timer: NodeJS.Timeout | null }>();

  constructor(
    private readonly provider: KubernetesProvider,
    private readonly lingerMs = 30_000,
  ) {}

  acquire(target: Target, resource: WatchResource): { informer: Informer; release: () => void } {
    const key = `${target.cluster}\0${target.namespace}\0${resource}`;
    let e = this.entries.get(key);
    if (!e) {
      e = { informer: new Informer(this.provider, target, resource), refs: 0, timer: null };
      this.entries.set(key, e);
    }
    const entry = e;
    entry.refs += 1;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    let released = false;
    return {
      informer: entry.informer,
      release: () => {
        if (released) return;
        released = true;
        entry.refs -= 1;
        if (entry.refs > 0) return;
        entry.timer = setTimeout(() => {
          if (entry.refs > 0) return;
          entry.informer.stop();
          this.entries.delete(key);
        }, this.lingerMs);
        entry.timer.unref();
      },
    };
  }

  /** Stops every watch (tests, shutdown). */
  close() {
    for (const e of this.entries.values()) {
      if (e.timer) clearTimeout(e.timer);
      e.informer.stop();
    }
    this.entries.clear();
  }
}

const sharedPools = new WeakMap<KubernetesProvider, InformerPool>();

/** The process-wide informer pool of a provider: rollout followers and browser streams share one watch per namespace. */
export function sharedInformers(provider: KubernetesProvider): InformerPool {
  let p = sharedPools.get(provider);
  if (!p) {
    p = new InformerPool(provider);
    sharedPools.set(provider, p);
  }
  return p;
}
