import type { AuditRow } from "./query";

export const EXPORT_COLUMNS = [
  "seq", "ts", "actorId", "actorLabel", "action", "targetType", "targetId", "outcome", "ip", "requestId", "before", "after", "meta", "prevHash", "hash",
] as const;

function plain(row: AuditRow): Record<(typeof EXPORT_COLUMNS)[number], unknown> {
  return { ...row, seq: row.seq.toString(), ts: row.ts.toISOString() };
}

export function toJsonLine(row: AuditRow): string {
  return JSON.stringify(plain(row)) + "\n";
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  // Quote always when needed; a leading =,+,-,@ is prefixed so spreadsheets do not evaluate it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const csvHeader = EXPORT_COLUMNS.join(",") + "\n";

export function toCsvLine(row: AuditRow): string {
  const p = plain(row);
  return EXPORT_COLUMNS.map((c) => csvCell(p[c])).join(",") + "\n";
}

/** Encodes rows lazily into a byte stream for an HTTP response. */
export function exportStream(rows: AsyncGenerator<AuditRow>, format: "csv" | "jsonl"): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let headerSent = format !== "csv";
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode(csvHeader));
        return;
      }
      const next = await rows.next();
      if (next.done) return controller.close();
      controller.enqueue(enc.encode(format === "csv" ? toCsvLine(next.value) : toJsonLine(next.value)));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}
