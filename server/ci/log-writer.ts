import type { Db } from "@/server/db/client";
import { publish } from "@/server/events/bus";
import { log } from "@/server/log";
import { runTopic } from "./runs";

type Pending = { stream: string; step: string; text: string };

/**
 * Buffers a run's (already redacted) output and writes it as CiLogChunk rows every `flushMs`, merging consecutive
 * output of one stream and step, then announces it on the run's topic. One writer per run: it owns the sequence.
 */
export class LogWriter {
  private pending: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly flushMs = 200,
  ) {}

  async init(): Promise<void> {
    const last = await this.db.ciLogChunk.findFirst({ where: { runId: this.runId }, orderBy: { seq: "desc" }, select: { seq: true } });
    this.seq = last?.seq ?? 0;
  }

  push(stream: string, step: string, text: string): void {
    if (!text) return;
    const tail = this.pending.at(-1);
    if (tail && tail.stream === stream && tail.step === step && tail.text.length < 64 * 1024) tail.text += text;
    else this.pending.push({ stream, step, text });
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
  }

  /** A line from Opsdeck itself (step started, exit code, artefacts). */
  system(step: string, line: string): void {
    this.push("system", step, `${line}\n`);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0);
    // Writes stay in order: each flush waits for the previous one.
    this.writing = this.writing.then(async () => {
      if (!batch.length) return;
      try {
        await this.db.ciLogChunk.createMany({ data: batch.map((p) => ({ runId: this.runId, seq: ++this.seq, stream: p.stream, step: p.step, text: p.text })) });
        await publish(this.db, runTopic(this.runId), { id: this.runId });
      } catch (err) {
        log.error({ err, runId: this.runId }, "writing CI log failed");
      }
    });
    return this.writing;
  }
}
