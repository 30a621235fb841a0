// How fast the simulated cluster moves. `npm start` uses the realistic defaults (a few seconds per pod); tests pass
// small values so a rollout takes well under a second.

export type Timing = {
  /** Pod scheduled → containers running (image pull + container start). */
  podStartMs: number;
  /** Containers running → pod Ready (readiness probe passing). */
  podReadyMs: number;
  /** How often the controllers and the simulated kubelets run (writes also trigger a run right away). */
  tickMs: number;
  /** Deletion requested → pod gone (graceful termination). */
  terminateMs: number;
};

export const REALISTIC_TIMING: Timing = { podStartMs: 2500, podReadyMs: 2000, tickMs: 250, terminateMs: 2000 };

export const FAST_TIMING: Timing = { podStartMs: 60, podReadyMs: 60, tickMs: 20, terminateMs: 60 };

export function resolveTiming(t: Partial<Timing> | undefined): Timing {
  const out = { ...REALISTIC_TIMING, ...(t ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`demo cluster timing: ${k} must be a number ≥ 0 (got ${String(v)})`);
  }
  out.tickMs = Math.max(5, out.tickMs);
  return out;
}
