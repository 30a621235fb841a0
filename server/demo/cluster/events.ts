import { randomBytes } from "node:crypto";
import type { Store } from "./store";
import { timestamp } from "./store";
import type { CoreEvent, KObject } from "./types";

// Events as the controllers and kubelet record them (core v1 Event objects). A repeat of the same reason and message
// for the same object bumps `count` and `lastTimestamp` instead of adding a row, like the client-go event correlator.
// events.k8s.io/v1 is a view of the same objects (eventsV1View).

const MAX_EVENTS = 5000;

export type EventSource = { component: string; host?: string };

export class EventRecorder {
  /** Correlation key → event name, so repeats are found without scanning every event. */
  private readonly byKey = new Map<string, string>();

  constructor(private readonly store: Store) {}

  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string, source: EventSource, fieldPath?: string, at = new Date()): void {
    const ns = obj.metadata.namespace ?? "default";
    const now = timestamp(at);
    const key = [ns, obj.metadata.uid, type, reason, message, fieldPath ?? ""].join("\u0000");
    const existing = this.byKey.get(key);
    const prev = existing ? this.store.get<CoreEvent>("events", ns, existing) : null;
    if (prev) {
      prev.count += 1;
      prev.lastTimestamp = now;
      this.store.update("events", prev);
      return;
    }
    const ev: CoreEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString("hex")}`, namespace: ns, uid: "", resourceVersion: "", creationTimestamp: now },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: "",
      reportingInstance: "",
    };
    this.store.create("events", ev, at);
    this.byKey.set(key, ev.metadata.name);
    this.trim();
  }

  /** Keeps the newest MAX_EVENTS (a real cluster expires events after an hour). */
  private trim() {
    if (this.store.count("events") <= MAX_EVENTS) return;
    const oldest = [...this.store.peek<CoreEvent>("events")].sort((a, b) => a.lastTimestamp.localeCompare(b.lastTimestamp)).slice(0, this.store.count("events") - MAX_EVENTS);
    const gone = new Set(oldest.map((e) => e.metadata.name));
    for (const e of oldest) this.store.delete("events", e.metadata.namespace, e.metadata.name);
    for (const [k, name] of this.byKey) if (gone.has(name)) this.byKey.delete(k);
  }
}

/** A core/v1 Event as events.k8s.io/v1 presents it. */
export function eventsV1View(o: KObject): KObject {
  const e = o as CoreEvent;
  const { involvedObject, reason, message, source, firstTimestamp, lastTimestamp, count, type, eventTime, metadata } = e;
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata,
    eventTime: eventTime ?? `${firstTimestamp.replace(/Z$/, "")}.000000Z`,
    ...(count > 1 ? { series: { count, lastObservedTime: `${lastTimestamp.replace(/Z$/, "")}.000000Z` } } : {}),
    reportingController: source.component,
    reportingInstance: source.host ? `${source.component}-${source.host}` : source.component,
    action: reason,
    reason,
    regarding: involvedObject,
    note: message,
    type,
    deprecatedSource: source,
    deprecatedFirstTimestamp: firstTimestamp,
    deprecatedLastTimestamp: lastTimestamp,
    deprecatedCount: count,
  };
}
