import type { Value } from "../expr";
import { parseTemplate, renderDeep, renderTemplate } from "../template";
import { tail, type StepContext, type StepOutcome } from "./types";

/**
 * `http`: one request with templated URL (substitutions percent-encoded), headers (no CR/LF) and a JSON, form or text
 * body (JSON rendered value by value, then serialised). The response is captured for later steps as
 * steps.<id>.status / .headers / .body / .json, and logged (redacted) with its status line and a body preview.
 */

const MAX_BODY = 1024 * 1024;
const PREVIEW = 2048;

async function readLimited(res: Response, max: number): Promise<{ text: string; truncated: boolean; bytes: number }> {
  if (!res.body) return { text: "", truncated: false, bytes: 0 };
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes > max) {
      parts.push(value.subarray(0, value.length - (bytes - max)));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    parts.push(value);
  }
  return { text: Buffer.concat(parts).toString("utf8"), truncated, bytes: Math.min(bytes, max) };
}

export async function runHttpStep(ctx: StepContext): Promise<StepOutcome> {
  const s = ctx.def;
  if (s.type !== "http") throw new Error(`not an http step: ${s.type}`);
  const url = renderTemplate(parseTemplate(s.url), ctx.scope, "url");
  const headers = new Headers();
  for (const [k, v] of Object.entries(s.headers ?? {})) headers.set(k, renderTemplate(parseTemplate(v), ctx.scope, "header"));
  let body: string | undefined;
  if (s.json !== undefined) {
    body = JSON.stringify(renderDeep(s.json, ctx.scope));
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  } else if (s.form) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(s.form)) form.set(k, renderTemplate(parseTemplate(v), ctx.scope, "text"));
    body = form.toString();
    if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
  } else if (s.body !== undefined) body = renderTemplate(parseTemplate(s.body), ctx.scope, "text");
  if (!headers.has("user-agent")) headers.set("user-agent", "opsdeck-runbooks");

  ctx.log.system(ctx.index, `→ ${s.method} ${url}`);
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { method: s.method, headers, body, redirect: s.followRedirects ? "follow" : "manual", signal });
  } catch (err) {
    const timedOut = timeout.aborted && !ctx.signal.aborted;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const message = timedOut ? `timed out after ${Math.round(ctx.timeoutMs / 1000)} s` : ctx.signal.aborted ? "stopped" : `request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`;
    ctx.log.system(ctx.index, `✗ ${message}`);
    return { ok: false, timedOut, result: { status: null, error: message, url }, message };
  }
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(res, MAX_BODY);
  } catch (err) {
    const message = ctx.signal.aborted ? "stopped" : `reading the response failed: ${(err as Error).message}`;
    return { ok: false, timedOut: timeout.aborted && !ctx.signal.aborted, result: { status: res.status, error: message, url }, message };
  }
  const ms = Math.round(performance.now() - started);
  const expected = s.expect === undefined ? null : Array.isArray(s.expect) ? s.expect : [s.expect];
  const ok = expected ? expected.includes(res.status) : res.status >= 200 && res.status < 300;
  let json: Value = null;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      json = JSON.parse(read.text) as Value;
    } catch {
      json = null;
    }
  }
  const keep = ["content-type", "content-length", "location", "retry-after", "date", "server"];
  const respHeaders: Record<string, string> = {};
  for (const k of keep) {
    const v = res.headers.get(k);
    if (v !== null) respHeaders[k] = v;
  }
  ctx.log.system(ctx.index, `← ${res.status} ${res.statusText} (${ms} ms, ${read.bytes} bytes${read.truncated ? ", truncated" : ""})`);
  if (read.text) ctx.log.write(ctx.index, "out", read.text.slice(0, PREVIEW) + (read.text.length > PREVIEW ? `\n… (${read.text.length - PREVIEW} more characters)` : ""), true);
  const result = { status: res.status, headers: respHeaders, body: tail(read.text), json, durationMs: ms, url };
  const message = ok ? `HTTP ${res.status}` : `HTTP ${res.status}, expected ${expected ? expected.join(" or ") : "2xx"}`;
  return { ok, result, message };
}
