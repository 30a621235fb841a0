import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { parseTable, startFastCluster, waitFor } from "./helpers/demo-cluster";

// Debian's kubectl (1.20) against the demo cluster with fast timing: the commands people use on a real cluster
// (get, -o wide, scale, set image, rollout status/history/undo, logs, delete) must behave as they do there.

let ctx: Awaited<ReturnType<typeof startFastCluster>>;
const IMG = "registry.opsdeck.demo";

beforeAll(async () => {
  ctx = await startFastCluster({
    seed: {
      namespaces: [
        { name: "shop", deployments: [{ name: "web", image: `${IMG}/web:1.0.0`, replicas: 2 }, { name: "api", image: `${IMG}/api:3.1.0`, replicas: 1, labels: { tier: "backend" } }] },
        { name: "ops", deployments: [{ name: "worker", image: `${IMG}/worker:0.9.0`, replicas: 2 }] },
      ],
    },
  });
});
afterAll(async () => {
  await ctx?.cluster.close();
});

const k = (...args: string[]) => ctx.kubectl(...args);
const pods = async (ns: string, selector: string) => parseTable(await k("get", "pods", "-n", ns, "-l", selector));

describe("kubectl get", () => {
  it("prints deployments like a real cluster (NAME READY UP-TO-DATE AVAILABLE AGE)", async () => {
    const out = await k("get", "deploy", "-n", "shop");
    expect(out.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    const rows = parseTable(out);
    expect(rows.map((r) => r.NAME)).toEqual(["api", "web"]);
    expect(rows.find((r) => r.NAME === "web")).toMatchObject({ READY: "2/2", "UP-TO-DATE": "2", AVAILABLE: "2" });
    expect(rows[0]!.AGE).toMatch(/^\d+[smhd]/);
  });

  it("-o wide adds CONTAINERS, IMAGES and SELECTOR", async () => {
    const rows = parseTable(await k("get", "deploy", "web", "-n", "shop", "-o", "wide"));
    expect(rows).toEqual([expect.objectContaining({ NAME: "web", CONTAINERS: "web", IMAGES: `${IMG}/web:1.0.0`, SELECTOR: "app.kubernetes.io/name=web" })]);
  });

  it("lists pods with READY/STATUS/RESTARTS, and nodes and IPs with -o wide", async () => {
    const rows = parseTable(await k("get", "pods", "-n", "shop", "-o", "wide"));
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r).toMatchObject({ READY: "1/1", STATUS: "Running", RESTARTS: "0" });
      expect(r.NODE).toMatch(/^demo-node-\d$/);
      expect(r.IP).toMatch(/^10\.244\.\d+\.\d+$/);
    }
    const all = parseTable(await k("get", "pods", "-A"));
    expect(new Set(all.map((r) => r.NAMESPACE))).toEqual(new Set(["shop", "ops"]));
  });

  it("filters by label and field selectors", async () => {
    expect((await pods("shop", "tier=backend")).map((r) => r.NAME)).toEqual([expect.stringMatching(/^api-/)]);
    expect(await pods("shop", "app in (web,api)")).toHaveLength(3);
    expect(await pods("shop", "app notin (web)")).toHaveLength(1);
    const running = await k("get", "pods", "-n", "shop", "-l", "app=web", "--field-selector", "status.phase=Running", "-o", "name");
    expect(running.trim().split("\n")).toHaveLength(2);
    const first = running.trim().split("\n")[0]!.replace("pod/", "");
    const byName = await k("get", "pods", "-n", "shop", "--field-selector", `metadata.name=${first}`, "-o", "name");
    expect(byName.trim()).toBe(`pod/${first}`);
    expect(await k("get", "pods", "-n", "shop", "--field-selector", "status.phase=Pending", "-o", "name")).toBe("");
    const bad = await ctx.kubectl.fails("get", "pods", "-n", "shop", "--field-selector", "spec.bogus=1");
    expect(bad.stderr).toContain("field label not supported: spec.bogus");
  });

  it("reports a missing deployment as NotFound", async () => {
    const r = await ctx.kubectl.fails("get", "deploy", "nope", "-n", "shop");
    expect(r.stderr).toContain('deployments.apps "nope" not found');
  });
});

describe("kubectl scale / set image / rollout", () => {
  it("scale --replicas=3 gives three running pods", async () => {
    expect(await k("scale", "deploy/web", "-n", "shop", "--replicas=3")).toContain("deployment.apps/web scaled");
    await waitFor("3 ready web pods", async () => {
      const rows = await pods("shop", "app=web");
      return rows.length === 3 && rows.every((r) => r.READY === "1/1" && r.STATUS === "Running");
    });
    expect(parseTable(await k("get", "deploy", "web", "-n", "shop"))[0]).toMatchObject({ READY: "3/3", AVAILABLE: "3" });
  });

  it("set image rolls out a new ReplicaSet; rollout status waits for it", async () => {
    expect(await k("set", "image", "deploy/web", "web=" + `${IMG}/web:2.0.0`, "-n", "shop")).toContain("image updated");
    const status = await k("rollout", "status", "deploy/web", "-n", "shop", "--timeout=30s");
    expect(status).toContain('deployment "web" successfully rolled out');
    const rs = parseTable(await k("get", "rs", "-n", "shop", "-l", "app=web", "-o", "wide"));
    expect(rs).toHaveLength(2);
    const current = rs.find((r) => r.IMAGES === `${IMG}/web:2.0.0`)!;
    expect(current).toMatchObject({ DESIRED: "3", CURRENT: "3", READY: "3" });
    expect(rs.find((r) => r.IMAGES === `${IMG}/web:1.0.0`)).toMatchObject({ DESIRED: "0" });
    const json = JSON.parse(await k("get", "rs", current.NAME!, "-n", "shop", "-o", "json")) as { metadata: { annotations: Record<string, string>; labels: Record<string, string>; ownerReferences: { kind: string; name: string; controller: boolean }[] } };
    expect(json.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("2");
    expect(current.NAME).toBe(`web-${json.metadata.labels["pod-template-hash"]}`);
    expect(json.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Deployment", name: "web", controller: true })]);
    await waitFor("old pods gone", async () => (await pods("shop", "app=web")).every((r) => r.NAME!.startsWith(current.NAME!)));
  });

  it("rollout history lists the revisions and rollout undo restores the previous image (revision renumbered)", async () => {
    const history = await k("rollout", "history", "deploy/web", "-n", "shop");
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await k("rollout", "undo", "deploy/web", "-n", "shop")).toContain("deployment.apps/web rolled back");
    expect(await k("rollout", "status", "deploy/web", "-n", "shop", "--timeout=30s")).toContain("successfully rolled out");
    expect(parseTable(await k("get", "deploy", "web", "-n", "shop", "-o", "wide"))[0]!.IMAGES).toBe(`${IMG}/web:1.0.0`);
    // As on a real cluster: the old ReplicaSet is reused and becomes revision 3; revision 1 disappears.
    expect(await k("rollout", "history", "deploy/web", "-n", "shop")).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    expect(parseTable(await k("get", "rs", "-n", "shop", "-l", "app=web"))).toHaveLength(2);
    const detail = await k("rollout", "history", "deploy/web", "-n", "shop", "--revision=2");
    expect(detail).toContain(`${IMG}/web:2.0.0`);
  });

  it("an image tagged 'crash' crash-loops; rollout status fails on the progress deadline", async () => {
    await k("patch", "deploy/api", "-n", "shop", "-p", '{"spec":{"progressDeadlineSeconds":2}}');
    await k("set", "image", "deploy/api", `api=${IMG}/api:3.2.0-crash`, "-n", "shop");
    const r = await ctx.kubectl.fails("rollout", "status", "deploy/api", "-n", "shop", "--timeout=30s");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "api" exceeded its progress deadline');
    const crashing = await waitFor("a CrashLoopBackOff pod with restarts", async () =>
      (await pods("shop", "app=api")).find((p) => p.STATUS === "CrashLoopBackOff" && Number(p.RESTARTS) >= 1),
    );
    expect(crashing.READY).toBe("0/1");
    // The old pod keeps serving (maxUnavailable 25% of 1 replica rounds down to 0).
    expect((await pods("shop", "app=api")).filter((p) => p.STATUS === "Running" && p.READY === "1/1")).toHaveLength(1);
    const d = JSON.parse(await k("get", "deploy", "api", "-n", "shop", "-o", "json")) as { status: { conditions: { type: string; status: string; reason: string }[] } };
    expect(d.status.conditions).toContainEqual(expect.objectContaining({ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }));
    const describe = await k("describe", "pod", crashing.NAME!, "-n", "shop");
    expect(describe).toMatch(/Warning\s+BackOff\s+.*Back-off restarting failed container/);
    const logs = await k("logs", crashing.NAME!, "-n", "shop", "--previous");
    expect(logs).toContain("panic:");
  });

  it("rollout status --timeout gives up like on a real cluster while a crash-looping rollout is still within its deadline", async () => {
    await k("set", "image", "deploy/worker", `worker=${IMG}/worker:1.0.0-crash`, "-n", "ops");
    const r = await ctx.kubectl.fails("rollout", "status", "deploy/worker", "-n", "ops", "--timeout=1s");
    expect(r.stderr).toContain("timed out waiting for the condition");
  });
});

describe("kubectl describe / logs / delete", () => {
  it("describe deployment shows the controller's ScalingReplicaSet events", async () => {
    const out = await k("describe", "deploy", "web", "-n", "shop");
    expect(out).toMatch(/Normal\s+ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-/);
    expect(out).toMatch(/Progressing\s+True\s+NewReplicaSetAvailable/);
  });

  it("logs returns application output with --tail and --timestamps", async () => {
    const name = (await pods("shop", "app=web"))[0]!.NAME!;
    const out = await k("logs", name, "-n", "shop", "--tail=1", "--timestamps");
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).toMatch(/^\d{4}-\d\d-\d\dT\S+Z level=/);
  });

  it("a deleted pod terminates and the ReplicaSet replaces it", async () => {
    const before = (await pods("shop", "app=web")).map((r) => r.NAME!);
    expect(await k("delete", "pod", before[0]!, "-n", "shop")).toContain("deleted");
    await waitFor("a replacement pod", async () => {
      const now = (await pods("shop", "app=web")).filter((r) => r.STATUS === "Running" && r.READY === "1/1").map((r) => r.NAME!);
      return now.length === 3 && !now.includes(before[0]!);
    });
  });
});

describe("kubectl apply and the demo seed", () => {
  it("apply -f creates and then configures a Deployment (openapi/v2 answered, validation skipped)", async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/opsdeck-apply-`);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = `${dir}/d.json`;
    const manifest = (replicas: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "applied", namespace: "ops" }, spec: { replicas, selector: { matchLabels: { app: "applied" } }, template: { metadata: { labels: { app: "applied" } }, spec: { containers: [{ name: "applied", image: `${IMG}/applied:1.0.0` }] } } } });
    writeFileSync(file, JSON.stringify(manifest(1)));
    expect(await k("apply", "-f", file)).toContain("deployment.apps/applied created");
    writeFileSync(file, JSON.stringify(manifest(2)));
    expect(await k("apply", "-f", file)).toContain("deployment.apps/applied configured");
    expect(await k("rollout", "status", "deploy/applied", "-n", "ops", "--timeout=30s")).toContain("successfully rolled out");
    expect(parseTable(await k("get", "deploy", "applied", "-n", "ops"))[0]).toMatchObject({ READY: "2/2" });
  });

  it("the demo seed has revision history to undo to", async () => {
    const demo = await startFastCluster({ seed: "demo" });
    try {
      const out = await demo.kubectl("rollout", "history", "deploy/payments-api", "-n", "prod");
      const revisions = out.split("\n").filter((l) => /^\d+\s/.test(l));
      expect(revisions.length).toBeGreaterThanOrEqual(3);
      const before = parseTable(await demo.kubectl("get", "deploy", "payments-api", "-n", "prod", "-o", "wide"))[0]!;
      expect(before).toMatchObject({ READY: "3/3", SELECTOR: "app.kubernetes.io/name=payments-api" });
      expect(before.IMAGES).toMatch(/^registry\.opsdeck\.demo\/payments-api:\d+\.\d+\.\d+$/);
      await demo.kubectl("rollout", "undo", "deploy/payments-api", "-n", "prod");
      await demo.kubectl("rollout", "status", "deploy/payments-api", "-n", "prod", "--timeout=30s");
      const after = parseTable(await demo.kubectl("get", "deploy", "payments-api", "-n", "prod", "-o", "wide"))[0]!;
      expect(after.IMAGES).not.toBe(before.IMAGES);
      const ns = parseTable(await demo.kubectl("get", "ns")).map((r) => r.NAME);
      expect(ns).toEqual(expect.arrayContaining(["default", "dev", "staging", "prod"]));
    } finally {
      await demo.cluster.close();
    }
  });
});
