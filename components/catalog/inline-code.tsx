/** Text with `backtick` spans shown as code (scorecard fixes are written that way). No HTML is interpreted. */
export function InlineCode({ text }: { text: string }) {
  const parts = text.split("`");
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <code key={i} className="rounded bg-subtle px-1 py-px font-mono text-[0.92em] text-fg">{p}</code>
        ) : (
          <span key={i}>{p}</span>
        ),
      )}
    </>
  );
}
