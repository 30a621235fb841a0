import type { Db } from "@/server/db/client";
import { publish } from "@/server/events/bus";
import { log } from "@/server/log";
import { redactText } from "@/server/exec";
import { logTopic } from "./topics";

/**
 * Buffers a run's output and writes it as RunbookLogChunk rows: every `flushMs` (100 ms — the live view's budget is
 * 500 ms from output to browser) or when 256 KiB are waiting. Consecutive output of the same step and stream becomes one
 * chunk (split at line ends near 64 KiB). seq numbers are assigned here: exactly one worker executes a run at a time,
 * so the writer owns the sequence (no counter row to contend on). After each insert the bus announces the new seq.
 *
 * Text from child processes arrives already redacted (server/exec); lines the executor writes itself (HTTP responses,
 * Kubernetes output, messages) go through `system()`/`write(…, redact=true)`, which redacts them with the run's secrets.
 */

export type LogStream = "out" | "err" | "sys";
type Pending = { step: number | null; stream: LogStream; text: string };

const MAX_CHUNK = 64 * 1024;
const MAX_BUFFER = 256 * 1024;

export class LogWriter {
  private pending: Pending[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  lines = 0;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private seq: number,
    private readonly secrets: readonly string[],
    private readonly flushMs = 100,
  ) {}

  static async open(db: Db, runId: string, secrets: readonly string[], flushMs?: number): Promise<LogWriter> {
    const last = await db.runbookLogChunk.findFirst({ where: { runId }, orderBy: { seq: "desc" }, select: { seq: true } });
    return new LogWriter(db, runId, last?.seq ?? 0, secrets, flushMs);
  }

  /** Adds output; `redact` for text that did not come through server/exec. */
  write(step: number | null, stream: LogStream, text: string, redact = false): void {
    if (!text || this.closed) return;
    const t = redact ? redactText(text.endsWith("\n") ? text : text + "\n", this.secrets) : text;
    const last = this.pending[this.pending.length - 1];
    if (last && last.step === step && last.stream === stream && last.text.length + t.length <= MAX_CHUNK) last.text += t;
    else this.pending.push({ step, stream, text: t });
    this.buffered += t.length;
    if (this.buffered >= MAX_BUFFER) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** A line from Opsdeck itself (step headers, results, messages), redacted. */
  system(step: number | null, text: string): void {
    this.write(step, "sys", text, true);
  }

  /** Writes everything buffered; resolves when it is in the database. Flushes never overlap (seq order). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    this.buffered = 0;
    if (!batch.length) return this.chain;
    this.chain = this.chain.then(() => this.insert(batch)).catch((err: unknown) => {
      log.error({ err, runId: this.runId }, "runbook log write failed");
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  get lastSeq(): number {
    return this.seq;
  }

  private async insert(batch: Pending[]): Promise<void> {
    const rows = batch.flatMap((p) => splitChunk(p.text).map((text) => ({ runId: this.runId, seq: ++this.seq, step: p.step, stream: p.stream, text, lines: lineCount(text) })));
    await this.db.runbookLogChunk.createMany({ data: rows });
    this.lines += rows.reduce((n, r) => n + r.lines, 0);
    await publish(this.db, logTopic(this.runId), { seq: this.seq });
  }
}

/** Lines in a chunk: a chunk always ends a line in the viewer, whether or not its text ends with "\n". */
export function lineCount(text: string): number {
  if (!text) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return text.endsWith("\n") ? n : n + 1;
}

function splitChunk(text: string): string[] {
  if (text.length <= MAX_CHUNK) return [text];
  const out: string[] = [];
  let rest = text;
  while (rest.length > MAX_CHUNK) {
    const cut = rest.lastIndexOf("\n", MAX_CHUNK);
    const at = cut > MAX_CHUNK / 2 ? cut + 1 : MAX_CHUNK;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest) out.push(rest);
  return out;
}
