/**
 * fetch with the rate-limit manners every CI vendor asks for: a 429 (or GitHub's 403 with `retry-after` /
 * `x-ratelimit-remaining: 0`) is retried after the time the vendor names — `Retry-After` in seconds or as an HTTP date,
 * else `x-ratelimit-reset` (epoch seconds) — when that is short enough; otherwise the response is handed back and the
 * caller reports the rate limit with the time to come back. Used by the Octokit client (its `request.fetch`), the
 * GitLab requester and the Jenkins client alike.
 */

export type RetryOptions = {
  /** Retries after a rate-limit answer (default 3). */
  maxRetries?: number;
  /** Longest wait honoured in-line (default 60 s); a longer one is left to the caller (the poller backs off). */
  maxWaitMs?: number;
  /** Injected by tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Per-request time limit (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** When the vendor wants us back, from the response headers; null when it did not say. */
export function retryAtOf(headers: Headers, now = Date.now()): Date | null {
  const ra = headers.get("retry-after");
  if (ra) {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return new Date(now + Math.max(0, secs) * 1000);
    const d = Date.parse(ra);
    if (!Number.isNaN(d)) return new Date(d);
  }
  const reset = headers.get("x-ratelimit-reset") ?? headers.get("ratelimit-reset");
  if (reset && headers.get("x-ratelimit-remaining") === "0") {
    const n = Number(reset);
    // GitHub sends epoch seconds; GitLab's RateLimit-Reset is epoch seconds too.
    if (Number.isFinite(n)) return new Date(n > 1e9 ? n * 1000 : now + n * 1000);
  }
  return null;
}

export function isRateLimited(res: Response): boolean {
  if (res.status === 429) return true;
  return res.status === 403 && (res.headers.has("retry-after") || res.headers.get("x-ratelimit-remaining") === "0");
}

export function retryingFetch(opts: RetryOptions = {}): typeof fetch {
  const base = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const sleep = opts.sleep ?? sleepFor;
  const maxRetries = opts.maxRetries ?? 3;
  const maxWait = opts.maxWaitMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return async (input, init) => {
    // A Request body can be read once: keep a pristine copy to clone for every attempt.
    const original = input instanceof Request ? input : null;
    for (let attempt = 0; ; attempt++) {
      const signal = init?.signal ?? AbortSignal.timeout(timeoutMs);
      const res = original ? await base(original.clone(), { ...init, signal }) : await base(input, { ...init, signal });
      if (!isRateLimited(res) || attempt >= maxRetries) return res;
      const at = retryAtOf(res.headers);
      // A 429 without any hint: a short exponential pause.
      const wait = at ? at.getTime() - Date.now() : 500 * 2 ** attempt;
      if (wait > maxWait) return res;
      // Not awaited: a cancelled body may never settle with some fetch implementations.
      void res.body?.cancel().catch(() => undefined);
      await sleep(Math.max(0, wait));
    }
  };
}
