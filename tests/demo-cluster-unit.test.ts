import { describe, expect, it } from "vitest";
import { applyPatch } from "@/server/demo/cluster/patch";
import { demoCatalogWorkloads, demoSeed } from "@/server/demo/cluster/seed";
import { matchesLabels, parseFieldSelector, parseLabelSelector, selectorString } from "@/server/demo/cluster/selectors";
import { humanDuration, podDisplayStatus } from "@/server/demo/cluster/table";
import type { Pod } from "@/server/demo/cluster/types";
import { defaultDeployment, imageTag, intOrPercent, templateHash, templatesEqual } from "@/server/demo/cluster/workloads";
import type { Deployment, PodTemplate } from "@/server/demo/cluster/types";

// The demo cluster's pure pieces: patch formats, selectors, printing, template identity, the catalog-driven seed.

const spec = (containers: unknown[]) => ({ spec: { template: { spec: { containers } } } });

describe("strategic merge patch", () => {
  const base = {
    metadata: { labels: { a: "1", b: "2" }, finalizers: ["x"] },
    spec: { template: { spec: { containers: [{ name: "web", image: "web:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 80 }] }, { name: "side", image: "side:1" }] } } },
  };

  it("merges containers by name (what kubectl set image sends, $setElementOrder included)", () => {
    const out = applyPatch(base, "strategic", { spec: { template: { spec: { $setElementOrder: undefined, "$setElementOrder/containers": [{ name: "web" }, { name: "side" }], containers: [{ image: "web:2", name: "web" }] } } } });
    expect(out.spec.template.spec.containers).toEqual([{ ...base.spec.template.spec.containers[0], image: "web:2" }, base.spec.template.spec.containers[1]]);
  });

  it("merges env by name, deletes with $patch: delete and null, replaces with $patch: replace, reorders", () => {
    const out = applyPatch(base, "strategic", {
      metadata: { labels: { b: null, c: "3" }, finalizers: ["y"] },
      spec: { template: { spec: { containers: [{ name: "web", env: [{ name: "B", $patch: "delete" }, { name: "C", value: "3" }] }, { name: "side", $patch: "delete" }] } } },
    });
    expect(out.metadata).toEqual({ labels: { a: "1", c: "3" }, finalizers: ["x", "y"] });
    expect(out.spec.template.spec.containers).toHaveLength(1);
    expect(out.spec.template.spec.containers[0]!.env).toEqual([{ name: "A", value: "1" }, { name: "C", value: "3" }]);
    const replaced = applyPatch(base, "strategic", spec([{ $patch: "replace" }, { name: "only", image: "only:1" }]));
    expect(replaced.spec.template.spec.containers).toEqual([{ name: "only", image: "only:1" }]);
    const reordered = applyPatch(base, "strategic", { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "side" }, { name: "web" }] } } } });
    expect(reordered.spec.template.spec.containers.map((c) => c.name)).toEqual(["side", "web"]);
  });

  it("$retainKeys keeps only the listed keys; lists without a merge key are replaced", () => {
    const out = applyPatch({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } }, args: ["a", "b"] }, "strategic", { strategy: { $retainKeys: ["type"], type: "Recreate" }, args: ["c"] });
    expect(out).toEqual({ strategy: { type: "Recreate" }, args: ["c"] });
  });
});

describe("merge patch and JSON patch", () => {
  it("merge patch replaces lists and removes null keys", () => {
    expect(applyPatch({ a: { b: 1, c: 2 }, l: [1, 2] }, "merge", { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });

  it("JSON patch: add/remove/replace/move/copy/test with escaped pointers and '-'", () => {
    const doc = { metadata: { annotations: { "a/b": "1" } }, items: [1, 2] };
    const out = applyPatch(doc, "json", [
      { op: "add", path: "/items/-", value: 3 },
      { op: "replace", path: "/metadata/annotations/a~1b", value: "2" },
      { op: "copy", from: "/items/0", path: "/first" },
      { op: "move", from: "/first", path: "/moved" },
      { op: "remove", path: "/items/1" },
      { op: "test", path: "/moved", value: 1 },
    ]);
    expect(out).toEqual({ metadata: { annotations: { "a/b": "2" } }, items: [1, 3], moved: 1 });
    expect(doc.items).toEqual([1, 2]); // input untouched
    expect(() => applyPatch(doc, "json", [{ op: "replace", path: "/nope/x", value: 1 }])).toThrow(/missing/);
    expect(() => applyPatch(doc, "json", [{ op: "test", path: "/items/0", value: 9 }])).toThrow(/testing value/);
  });
});

describe("selectors", () => {
  it("parses and matches label selector syntax", () => {
    const reqs = parseLabelSelector("app=web,tier in (a, b),!canary,env!=prod,track");
    expect(matchesLabels(reqs, { app: "web", tier: "b", env: "dev", track: "stable" })).toBe(true);
    expect(matchesLabels(reqs, { app: "web", tier: "c", track: "x" })).toBe(false);
    expect(matchesLabels(reqs, { app: "web", tier: "a", canary: "1", track: "x" })).toBe(false);
    expect(matchesLabels(parseLabelSelector("a notin (x)"), {})).toBe(true);
    expect(matchesLabels(parseLabelSelector("a==1"), { a: "1" })).toBe(true);
    expect(() => parseLabelSelector("a in b")).toThrow();
  });

  it("field selectors accept only supported fields", () => {
    expect(parseFieldSelector("metadata.name=x,status.phase!=Running", ["metadata.name", "status.phase"])).toEqual([
      { field: "metadata.name", op: "=", value: "x" },
      { field: "status.phase", op: "!=", value: "Running" },
    ]);
    expect(() => parseFieldSelector("spec.x=1", ["metadata.name"])).toThrow("field label not supported: spec.x");
  });

  it("prints LabelSelector objects like the API server", () => {
    expect(selectorString({ matchLabels: { b: "2", a: "1" }, matchExpressions: [{ key: "t", operator: "In", values: ["x", "y"] }, { key: "c", operator: "DoesNotExist" }] })).toBe("a=1,b=2,t in (x,y),!c");
  });
});

describe("printing", () => {
  it("formats ages like kubectl (apimachinery HumanDuration)", () => {
    const s = 1000;
    expect([45 * s, 119 * s, 190 * s, 600 * s, 179 * 60 * s, 3 * 3600 * s + 5 * 60 * s, 8 * 3600 * s, 47 * 3600 * s, 50 * 3600 * s, 9 * 86400 * s, 800 * 86400 * s].map(humanDuration)).toEqual([
      "45s", "119s", "3m10s", "10m", "179m", "3h5m", "8h", "47h", "2d2h", "9d", "2y70d",
    ]);
  });

  it("derives the pod STATUS column from container states", () => {
    const pod = (cs: Pod["status"]["containerStatuses"], extra: Partial<Pod["metadata"]> = {}) =>
      ({ metadata: { name: "p", uid: "u", resourceVersion: "1", creationTimestamp: "", ...extra }, spec: { containers: [{ name: "c", image: "i" }] }, status: { phase: "Running", containerStatuses: cs } }) as unknown as Pod;
    const base = { name: "c", lastState: {}, image: "i", imageID: "" };
    expect(podDisplayStatus(pod([{ ...base, state: { waiting: { reason: "CrashLoopBackOff" } }, ready: false, restartCount: 4 }]))).toEqual({ status: "CrashLoopBackOff", ready: 0, total: 1, restarts: 4 });
    expect(podDisplayStatus(pod([{ ...base, state: { running: { startedAt: "" } }, ready: true, restartCount: 0 }]))).toMatchObject({ status: "Running", ready: 1 });
    expect(podDisplayStatus(pod([{ ...base, state: { running: { startedAt: "" } }, ready: true, restartCount: 0 }], { deletionTimestamp: "x" }))).toMatchObject({ status: "Terminating" });
  });
});

describe("templates", () => {
  const tpl = (image: string): PodTemplate => defaultDeployment({ spec: { template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "x", image }] } } } } as unknown as Deployment).spec.template;

  it("compares templates semantically (what rollout undo relies on)", () => {
    const a = tpl("x:1");
    const fromKubectl = { metadata: { creationTimestamp: null, labels: { app: "x", "pod-template-hash": "abc" } }, spec: { ...a.spec, containers: a.spec.containers.map((c) => ({ ...c, resources: {} })) } } as unknown as PodTemplate;
    expect(templatesEqual(a, fromKubectl)).toBe(true);
    expect(templatesEqual(a, tpl("x:2"))).toBe(false);
    expect(templateHash(a)).toBe(templateHash(fromKubectl));
    expect(templateHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(templateHash(a, 1)).not.toBe(templateHash(a));
  });

  it("resolves maxSurge up and maxUnavailable down; image tags", () => {
    expect([intOrPercent("25%", 3, true), intOrPercent("25%", 3, false), intOrPercent(2, 3, true)]).toEqual([1, 0, 2]);
    expect([imageTag("reg:5000/a/b:1.2"), imageTag("reg:5000/a/b"), imageTag("a@sha256:ff")]).toEqual(["1.2", "latest", "latest"]);
  });
});

describe("demo seed", () => {
  it("deploys every demo-catalog Component with a Kubernetes mapping to dev, staging and prod, prod behind staging", () => {
    const workloads = demoCatalogWorkloads();
    expect(workloads.length).toBeGreaterThanOrEqual(15);
    expect(workloads.map((w) => w.name)).toContain("payments-api");
    const seed = demoSeed();
    expect(seed.namespaces.map((n) => n.name)).toEqual(["dev", "staging", "prod"]);
    const ver = (ns: string, name: string) => seed.namespaces.find((n) => n.name === ns)!.deployments.find((d) => d.name === name)!;
    for (const w of workloads) {
      const [dev, staging, prod] = ["dev", "staging", "prod"].map((ns) => ver(ns, w.name));
      expect(staging!.image).toMatch(new RegExp(`^registry\\.opsdeck\\.demo/${w.name}:\\d+\\.\\d+\\.\\d+$`));
      const semver = (image: string) => image.split(":").pop()!.split(".").map(Number);
      const older = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
      expect(older(semver(prod!.image), semver(staging!.image))).toBeLessThan(0);
      expect(older(semver(staging!.image), semver(dev!.image))).toBeLessThanOrEqual(0);
      expect(prod!.replicas).toBe(3);
      expect(dev!.replicas).toBe(2);
      expect(prod!.history!.length).toBeGreaterThanOrEqual(2);
    }
  });
});
