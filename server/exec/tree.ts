import { readdirSync, readFileSync } from "node:fs";

/**
 * Process-tree helpers. The child runs in its own process group (detached), so `kill(-pgid)` reaches every process
 * that stayed in the group. A descendant that started its own session (setsid, daemonisers) left the group; on Linux
 * it is still found by walking parent links in /proc while its ancestors live, and signalled by pid — but only while
 * its start time still matches, so a recycled pid of an unrelated process is never touched.
 */

/** A process identity that survives pid reuse: pid + start time (clock ticks since boot). */
export type ProcId = { pid: number; start: string };

type StatInfo = { ppid: number; start: string; zombie: boolean };

function readStat(pid: number | string): StatInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid … starttime(22nd field); comm may contain spaces or ")", so parse after the last ")".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), start: f[19] ?? "", zombie: f[0] === "Z" };
  } catch {
    return null;
  }
}

/** All live descendants of `pid` (not including it). Linux only; empty elsewhere. */
export function descendantsOf(pid: number): ProcId[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const children = new Map<number, ProcId[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(e);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push({ pid: Number(e), start: s.start });
    children.set(s.ppid, list);
  }
  const out: ProcId[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Signals the process group `pgid` and each of `extra` that is still the same process. Ignores ESRCH/EPERM. */
export function killTree(pgid: number, extra: Iterable<ProcId>, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is empty
  }
  for (const p of extra) {
    const now = readStat(p.pid);
    if (!now || now.start !== p.start) continue;
    try {
      process.kill(p.pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const s = readStat(pid);
  if (s) return !s.zombie;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The identity (pid + start time) of a live process, or null. Store it to signal the process group later safely. */
export function procId(pid: number): ProcId | null {
  const s = readStat(pid);
  return s && !s.zombie ? { pid, start: s.start } : null;
}

/**
 * Kills what is left of a process group recorded earlier by `procId`, e.g. by a worker that died: the group leader if
 * it is still the same process, and any process still in group `id.pid`. Returns how many processes were signalled.
 */
export function killRecordedGroup(id: ProcId, sig: NodeJS.Signals = "SIGKILL"): number {
  let n = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // f[2] = pgrp; only members of the recorded group that started no earlier than its leader (no recycled group id).
      if (Number(f[2]) !== id.pid || f[0] === "Z" || Number(f[19]) < Number(id.start)) continue;
      process.kill(Number(e), sig);
      n++;
    } catch {
      // gone, or not ours
    }
  }
  return n;
}
