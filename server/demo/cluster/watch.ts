import type { IncomingMessage, ServerResponse } from "node:http";
import type { Filter, ResourceApi } from "./api";
import type { Cluster } from "./cluster";
import { expired } from "./errors";
import { groupVersion, type ApiResource } from "./resources";
import type { StoreEvent } from "./store";
import type { KObject } from "./types";

// `?watch=1`: a chunked stream of newline-delimited {"type","object"} events. Starts from the given resourceVersion
// (replaying what changed since, or 410 Expired when that is too old), or with synthetic ADDED events for the current
// state when none (or "0") is given. Selectors apply to both ends of a change: an object that stops matching is
// DELETED for this watcher, one that starts matching is ADDED. Ends after timeoutSeconds; BOOKMARKs when allowed.

export type WatchRequest = {
  resource: ApiResource;
  namespace?: string;
  name?: string;
  filter: Filter;
  resourceVersion?: string | null;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Turns a stored object into what this client asked for (view conversion, Table rows). */
  render: (o: KObject) => unknown;
};

const DEFAULT_TIMEOUT_S = 1800;
const BOOKMARK_EVERY_MS = 15_000;

export function serveWatch(req: IncomingMessage, res: ServerResponse, cluster: Cluster, api: ResourceApi, w: WatchRequest, open: Set<() => void>): void {
  const store = cluster.store;
  const r = w.resource;
  const inScope = (o: KObject) => (w.namespace === undefined || o.metadata.namespace === w.namespace) && (w.name === undefined || o.metadata.name === w.name);
  const matches = (o: KObject | null) => !!o && inScope(o) && api.matches(r, w.filter, o);

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  const send = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send("BOOKMARK", { kind: r.kind, apiVersion: groupVersion(r), metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) } });

  const deliver = (ev: StoreEvent) => {
    if (ev.resource !== r.storage) return;
    const now = matches(ev.object);
    const before = ev.type === "MODIFIED" ? matches(ev.previous) : ev.type === "DELETED" ? now : false;
    if (ev.type === "ADDED" && now) send("ADDED", w.render(ev.object));
    else if (ev.type === "DELETED" && before) send("DELETED", w.render(ev.object));
    else if (ev.type === "MODIFIED") {
      if (now && before) send("MODIFIED", w.render(ev.object));
      else if (now) send("ADDED", w.render(ev.object));
      else if (before) send("DELETED", w.render(ev.object));
    }
  };

  const rv = w.resourceVersion;
  if (rv && rv !== "0") {
    const n = Number(rv);
    if (!Number.isFinite(n) || n < store.oldestResumableRv) {
      send("ERROR", expired(rv).toStatus());
      res.end();
      return;
    }
    for (const ev of store.since(n)) deliver(ev);
  } else {
    for (const o of store.list(r.storage, w.namespace)) if (matches(o)) send("ADDED", w.render(o));
    if (w.sendInitialEvents && w.allowBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  }
  const unsubscribe = store.subscribe(deliver);

  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  timers.push(setTimeout(finish, (w.timeoutSeconds && w.timeoutSeconds > 0 ? w.timeoutSeconds : DEFAULT_TIMEOUT_S) * 1000));
  if (w.allowBookmarks) timers.push(setInterval(() => bookmark(), BOOKMARK_EVERY_MS));
  for (const t of timers) t.unref?.();
  req.on("close", finish);
  res.on("close", finish);
  // The server keeps the open streams, so closing it ends them instead of waiting for their timeouts.
  open.add(finish);
  res.on("close", () => open.delete(finish));
}
