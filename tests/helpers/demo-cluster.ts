import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startDemoCluster, type DemoClusterOptions } from "@/server/demo/cluster";
import { FAST_TIMING } from "@/server/demo/cluster/timing";

// Shared by the demo-cluster tests: a fast demo cluster per test file, Debian's kubectl against it, and small
// helpers to read kubectl's table output and to wait for a condition.

const run = promisify(execFile);

/**
 * Debian's kubectl (kubernetes-client, v1.20): OPSDECK_KUBECTL, else where .ci/run extracts it when another kubectl
 * owns /usr/bin/kubectl, else /usr/bin/kubectl.
 */
export function kubectlPath(): string {
  const candidates = [process.env.OPSDECK_KUBECTL, "/opt/kubernetes-client/usr/bin/kubectl", "/usr/bin/kubectl"].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no kubectl found (tried ${candidates.join(", ")}); .ci/run installs Debian's kubernetes-client`);
  return found;
}

export type Kubectl = ((...args: string[]) => Promise<string>) & { fails: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> };

export async function startFastCluster(opts: DemoClusterOptions = {}) {
  const cluster = await startDemoCluster({ port: 0, seed: "empty", timing: FAST_TIMING, ...opts });
  const cacheDir = mkdtempSync(path.join(tmpdir(), "opsdeck-kubectl-cache-"));
  const bin = kubectlPath();
  const base = ["--kubeconfig", cluster.kubeconfigPath, "--cache-dir", cacheDir];
  const exec = (args: string[]) => run(bin, [...base, ...args], { timeout: 60_000, env: { ...process.env, HOME: cacheDir } });
  const kubectl = (async (...args: string[]) => (await exec(args)).stdout) as Kubectl;
  kubectl.fails = async (...args: string[]) => {
    try {
      const out = await exec(args);
      throw new Error(`kubectl ${args.join(" ")} succeeded but was expected to fail:\n${out.stdout}`);
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== "number") throw err;
      return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  };
  const api = async (method: string, p: string, body?: unknown, contentType = "application/json") => {
    const res = await fetch(`${cluster.url}${p}`, { method, headers: body === undefined ? {} : { "Content-Type": contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { metadata?: Record<string, unknown> } };
  };
  const close = cluster.close;
  cluster.close = async () => {
    await close();
    rmSync(cacheDir, { recursive: true, force: true });
  };
  return { cluster, kubectl, api };
}

/** kubectl's human-readable table as rows of {COLUMN: value}. */
export function parseTable(out: string): Record<string, string>[] {
  const lines = out.split("\n").filter((l) => l.trim());
  if (!lines.length) return [];
  const header = lines[0]!;
  const starts = [...header.matchAll(/(\S+(?: \S+)*)/g)].map((m) => ({ name: m[1]!, at: m.index! }));
  return lines.slice(1).map((line) =>
    Object.fromEntries(starts.map((c, i) => [c.name, line.slice(c.at, i + 1 < starts.length ? starts[i + 1]!.at : undefined).trim()])),
  );
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A watch stream read line by line: `next(pred)` resolves with the first event matching pred. */
export async function openWatch(url: string) {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  if (res.status !== 200 || !res.body) throw new Error(`watch ${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const queue: { type: string; object: Record<string, unknown> & { metadata: Record<string, unknown> }; at: number }[] = [];
  let ended = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) queue.push({ ...(JSON.parse(line) as { type: string; object: Record<string, unknown> & { metadata: Record<string, unknown> } }), at: Date.now() });
        }
      }
    } catch {
      /* aborted */
    }
    ended = true;
  })();
  let cursor = 0;
  return {
    events: queue,
    get ended() {
      return ended;
    },
    async next(pred: (e: (typeof queue)[number]) => boolean, timeoutMs = 10_000) {
      return waitFor("a matching watch event", () => {
        for (; cursor < queue.length; cursor++) if (pred(queue[cursor]!)) return queue[cursor++]!;
        return null;
      }, timeoutMs, 5);
    },
    close: () => ctrl.abort(),
  };
}
