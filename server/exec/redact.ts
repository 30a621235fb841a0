/**
 * Secret redaction for process output, applied before anything is stored or streamed.
 *
 * Two sources of secrets:
 *  - literal values the caller knows (secret parameters, tokens it injected) — every occurrence is replaced;
 *  - known secret shapes (SECRET_PATTERNS): cloud keys, VCS tokens, JWTs, bearer/basic credentials, `password=…`
 *    assignments, and PEM private-key blocks (which span lines).
 *
 * Streaming: output arrives in arbitrary chunks, so a secret may be split across two of them. `StreamRedactor` works on
 * whole lines (a secret shape never spans a newline, except private-key blocks, which are tracked as a multi-line
 * state) and holds back an incomplete trailing line. `flushPartial()` (called when a line has been pending too long,
 * e.g. a progress indicator without newline) emits only the part of the pending line that cannot be the start of a
 * secret: it keeps back the last few words and the longest literal's length, so a later chunk still sees them whole.
 */

export const REDACTED = "[REDACTED]";

type Pattern = { name: string; re: RegExp; /** capture group holding the secret; 0 = whole match */ group?: number };

/** Known secret shapes. Each regex is global; `group` selects the secret when a prefix (e.g. "Bearer ") gives context. */
export const SECRET_PATTERNS: readonly Pattern[] = [
  { name: "aws-access-key-id", re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { name: "aws-secret-access-key", re: /\b(aws_?secret_?access_?key["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40})\b/gi, group: 2 },
  { name: "github-token", re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g },
  { name: "github-fine-grained-token", re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g },
  { name: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { name: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { name: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: "stripe-key", re: /\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b/g },
  { name: "opsdeck-token", re: /\bopsd_[A-Za-z0-9_-]{16,}\b/g },
  { name: "jwt", re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  { name: "bearer", re: /\b(bearer\s+)([A-Za-z0-9._~+/-]{8,}=*)/gi, group: 2 },
  { name: "basic-auth-header", re: /\b(authorization:\s*basic\s+)([A-Za-z0-9+/]{8,}=*)/gi, group: 2 },
  { name: "url-credentials", re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi, group: 2 },
  {
    name: "secret-assignment",
    re: /\b((?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key)["']?\s*[:=]\s*["']?)([^\s"',;]{4,})/gi,
    group: 2,
  },
];

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;

/** Literal secrets shorter than this are not redacted (replacing "a" or "1" everywhere would destroy the log). */
export const MIN_LITERAL_LENGTH = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The literal fragments to look for: each secret, and for multi-line secrets each of its lines. Longest first. */
export function literalFragments(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    for (const piece of [s, ...s.split(/\r?\n/)]) {
      const t = piece.trim();
      if (t.length >= MIN_LITERAL_LENGTH) out.add(t);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Redacts one piece of text that contains no partial line (stateless; private-key blocks must be whole). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  const r = new StreamRedactor(secrets);
  return r.push(text) + r.end();
}

/** Redacts a complete line (no newline inside): literals first (they may contain pattern-like text), then patterns. */
function redactLine(line: string, literal: RegExp | null): string {
  let out = literal ? line.replace(literal, REDACTED) : line;
  for (const p of SECRET_PATTERNS) {
    p.re.lastIndex = 0;
    out = out.replace(p.re, (...m: unknown[]) => {
      if (!p.group) return REDACTED;
      const groups = m.slice(1, -2) as (string | undefined)[];
      // Rebuild the match with the secret group replaced, keeping its context (e.g. "Bearer ").
      return groups.map((g, i) => (i + 1 === p.group ? REDACTED : (g ?? ""))).join("");
    });
  }
  return out;
}

/**
 * A line-buffered redactor for one output stream. `push(chunk)` returns the redacted text that is now safe to emit
 * (whole lines); `flushPartial()` emits the safe prefix of a pending partial line; `end()` emits everything left.
 */
export class StreamRedactor {
  private pending = "";
  private inKey = false;
  private readonly literal: RegExp | null;
  private readonly holdLiteral: number;

  constructor(secrets: readonly string[] = []) {
    const frags = literalFragments(secrets);
    this.literal = frags.length ? new RegExp(frags.map(escapeRegExp).join("|"), "g") : null;
    this.holdLiteral = frags.length ? frags[0]!.length - 1 : 0;
  }

  /** Adds a chunk; returns the redacted complete lines (with their newlines). */
  push(chunk: string): string {
    this.pending += chunk;
    const lastNl = this.pending.lastIndexOf("\n");
    if (lastNl < 0) return "";
    const complete = this.pending.slice(0, lastNl + 1);
    this.pending = this.pending.slice(lastNl + 1);
    return this.redactLines(complete);
  }

  /** True when a partial line is waiting. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Emits the part of the pending partial line that cannot belong to a secret still being written: everything before
   * the last three words and before the last (longest literal − 1) characters. Inside a private-key block nothing.
   */
  flushPartial(): string {
    if (!this.pending || this.inKey) return "";
    let cut = this.pending.length - this.holdLiteral;
    // Keep the last 3 whitespace-separated words: "Authorization: Bearer abc…" needs its context to match later.
    const words = /(?:\S+\s*){1,3}$/.exec(this.pending);
    if (words) cut = Math.min(cut, words.index);
    // A partial line may also be the start of a PEM block; keep anything from a "-----BEGIN" on.
    const pem = this.pending.indexOf("-----");
    if (pem >= 0) cut = Math.min(cut, pem);
    if (cut <= 0) return "";
    // Never split a match: redact the whole pending text, and emit only if the safe prefix is unchanged by it.
    const head = this.pending.slice(0, cut);
    const redactedWhole = redactLine(this.pending, this.literal);
    const redactedHead = redactLine(head, this.literal);
    if (!redactedWhole.startsWith(redactedHead)) return "";
    this.pending = this.pending.slice(cut);
    return redactedHead;
  }

  /** Emits everything left (end of stream). An unterminated private-key block stays redacted. */
  end(): string {
    const rest = this.pending;
    this.pending = "";
    if (!rest) return "";
    return this.redactLines(rest);
  }

  private redactLines(text: string): string {
    const parts = text.split("\n");
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const line = parts[i]!;
      const last = i === parts.length - 1;
      if (last && line === "") break; // text ended with "\n"
      const red = this.redactOneLine(line);
      if (red !== null) out.push(red + (last ? "" : "\n"));
    }
    return out.join("");
  }

  /** The redacted line, or null when the whole line disappears (the body of a private-key block). */
  private redactOneLine(line: string): string | null {
    if (this.inKey) {
      const end = PEM_END.exec(line);
      if (!end) return null; // the block's body lines vanish; the marker was emitted at BEGIN
      this.inKey = false;
      const rest = line.slice(end.index + end[0].length);
      return rest.trim() ? this.redactOneLine(rest) : null;
    }
    const begin = PEM_BEGIN.exec(line);
    if (begin) {
      const before = redactLine(line.slice(0, begin.index), this.literal);
      const after = line.slice(begin.index + begin[0].length);
      const end = PEM_END.exec(after);
      if (end) return before + `${REDACTED} (private key)` + (this.redactOneLine(after.slice(end.index + end[0].length)) ?? "");
      this.inKey = true;
      return before + `${REDACTED} (private key)`;
    }
    return redactLine(line, this.literal);
  }
}
