import { Fragment } from "react";

/**
 * A runbook description as written in YAML: blank lines separate paragraphs, single line breaks are just wrapping
 * (block scalars keep them), `backticks` mark code. Plain text otherwise — no HTML from definitions reaches the page.
 */
export function Prose({ text, className }: { text: string; className?: string }) {
  const paragraphs = text.trim().split(/\n\s*\n/).map((p) => p.replace(/\s*\n\s*/g, " "));
  return (
    <div className={className}>
      {paragraphs.map((p, i) => (
        <p key={i} className={i ? "mt-2" : undefined}>
          {p.split(/(`[^`]+`)/).map((part, j) =>
            part.startsWith("`") && part.endsWith("`") && part.length > 2 ? (
              <code key={j} className="rounded bg-subtle px-1 font-mono text-[0.85em]">{part.slice(1, -1)}</code>
            ) : (
              <Fragment key={j}>{part}</Fragment>
            ),
          )}
        </p>
      ))}
    </div>
  );
}

/** The first sentence-ish line of a description, for lists. */
export function summaryOf(text: string): string {
  return text.trim().split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, " ").replace(/`/g, "");
}
