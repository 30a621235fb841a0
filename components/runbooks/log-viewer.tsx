"use client";
import Anser from "anser";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties } from "react";
import { ArrowDownToLine } from "lucide-react";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";

/**
 * A run's output: virtualised (only the visible rows are in the DOM, so 100k lines scroll like 100), ANSI colours
 * rendered with theme-aware classes, stderr and Opsdeck's own lines told apart, following the tail while you are at
 * the bottom and staying put when you scroll up to read.
 */

export type LogChunk = { seq: number; step: number | null; stream: string; text: string };
type Line = { key: string; n: number; step: number | null; stream: string; text: string };

const ROW = 20;

export function toLines(chunks: LogChunk[], firstNumber = 1): Line[] {
  const out: Line[] = [];
  let n = firstNumber;
  for (const c of chunks) {
    const parts = c.text.replace(/\n$/, "").split("\n");
    parts.forEach((text, i) => out.push({ key: `${c.seq}:${i}`, n: n++, step: c.step, stream: c.stream, text: text.replace(/\r/g, "") }));
  }
  return out;
}

const NAMED: Record<string, string> = {
  "ansi-black": "text-zinc-700 dark:text-zinc-400",
  "ansi-red": "text-red-600 dark:text-red-400",
  "ansi-green": "text-green-700 dark:text-green-400",
  "ansi-yellow": "text-amber-700 dark:text-yellow-300",
  "ansi-blue": "text-blue-700 dark:text-blue-400",
  "ansi-magenta": "text-fuchsia-700 dark:text-fuchsia-400",
  "ansi-cyan": "text-cyan-700 dark:text-cyan-300",
  "ansi-white": "text-zinc-500 dark:text-zinc-100",
  "ansi-bright-black": "text-zinc-500",
  "ansi-bright-red": "text-red-500 dark:text-red-300",
  "ansi-bright-green": "text-green-600 dark:text-green-300",
  "ansi-bright-yellow": "text-amber-600 dark:text-yellow-200",
  "ansi-bright-blue": "text-blue-600 dark:text-blue-300",
  "ansi-bright-magenta": "text-fuchsia-600 dark:text-fuchsia-300",
  "ansi-bright-cyan": "text-cyan-600 dark:text-cyan-200",
  "ansi-bright-white": "text-zinc-400 dark:text-white",
};

/** Background colours (rare in logs) as plain RGB: foreground classes would be unreadable as fills. */
const NAMED_BG = ["0, 0, 0", "205, 49, 49", "13, 188, 121", "229, 229, 16", "36, 114, 200", "188, 63, 188", "17, 168, 205", "229, 229, 229"];

/** xterm's 256-colour palette entry as "r, g, b" (16–255; 0–15 are the named colours). */
function palette(i: number): string {
  if (i >= 232) {
    const v = 8 + (i - 232) * 10;
    return `${v}, ${v}, ${v}`;
  }
  const c = i - 16;
  const level = [0, 95, 135, 175, 215, 255];
  return `${level[Math.floor(c / 36)]}, ${level[Math.floor(c / 6) % 6]}, ${level[c % 6]}`;
}

function colour(cls: string | null, truecolor: string | null, background = false): { className?: string; rgb?: string } {
  if (!cls) return {};
  if (background && NAMED[cls]) {
    const i = Object.keys(NAMED).indexOf(cls) % 8;
    return { rgb: NAMED_BG[i] };
  }
  if (cls === "ansi-truecolor" && truecolor) return { rgb: truecolor };
  const m = /^ansi-palette-(\d+)$/.exec(cls);
  if (m) {
    const i = Number(m[1]);
    return i < 16 ? { className: NAMED[Object.keys(NAMED)[i]!] } : { rgb: palette(i) };
  }
  return { className: NAMED[cls] };
}

const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  const parts = useMemo(() => (text.includes("\u001b[") ? Anser.ansiToJson(text, { use_classes: true, remove_empty: true }) : null), [text]);
  if (!parts) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) => {
        const fg = colour(p.fg, p.fg_truecolor);
        const bg = colour(p.bg, p.bg_truecolor, true);
        const style: CSSProperties = {};
        if (fg.rgb) style.color = `rgb(${fg.rgb})`;
        if (bg.rgb) style.backgroundColor = `rgb(${bg.rgb})`;
        const deco = p.decorations ?? [];
        return (
          <span
            key={i}
            style={style}
            className={cn(
              fg.className,
              deco.includes("bold") && "font-bold",
              deco.includes("dim") && "opacity-70",
              deco.includes("italic") && "italic",
              deco.includes("underline") && "underline",
            )}
          >
            {p.content}
          </span>
        );
      })}
    </>
  );
});

export function LogViewer({
  lines,
  stepNames,
  follow: followInitially = true,
  hasEarlier,
  onLoadEarlier,
  loadingEarlier,
  height = "60vh",
  emptyText = "No output yet.",
}: {
  lines: Line[];
  stepNames: Record<number, string>;
  follow?: boolean;
  hasEarlier?: boolean;
  onLoadEarlier?: () => void;
  loadingEarlier?: boolean;
  height?: string;
  emptyText?: string;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(followInitially);
  // The virtualizer re-renders this component itself and nothing memoised receives its functions.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 30 });
  const prevFirst = useRef<string | null>(null);
  const prevCount = useRef(0);

  // Keep the view where it was when earlier lines are prepended; follow the tail when at the bottom.
  useLayoutEffect(() => {
    const el = parent.current;
    if (!el) return;
    const first = lines[0]?.key ?? null;
    if (prevFirst.current && first !== prevFirst.current) {
      const added = lines.findIndex((l) => l.key === prevFirst.current);
      if (added > 0) el.scrollTop += added * ROW;
    } else if (follow && lines.length !== prevCount.current) {
      virtualizer.scrollToIndex(lines.length - 1, { align: "end" });
    }
    prevFirst.current = first;
    prevCount.current = lines.length;
  }, [lines, follow, virtualizer]);

  useEffect(() => {
    const el = parent.current;
    if (!el) return;
    const onScroll = () => setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2);
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  return (
    <div className="relative">
      <div
        ref={parent}
        style={{ height: `min(${height}, ${virtualizer.getTotalSize() + (hasEarlier ? 48 : 16) + (lines.length ? 0 : 48)}px)` }}
        className="overflow-auto rounded-b-lg bg-[#fbfbfc] font-mono text-xs leading-5 dark:bg-[#0d1117]"
        data-testid="run-log"
        role="log"
        aria-live="off"
        aria-label="Run output"
        tabIndex={0}
      >
        {hasEarlier ? (
          <div className="sticky top-0 z-10 flex justify-center bg-gradient-to-b from-card to-transparent py-1">
            <Button size="sm" onClick={onLoadEarlier} disabled={loadingEarlier}>Load earlier output</Button>
          </div>
        ) : null}
        {lines.length === 0 ? <p className="p-4 font-sans text-sm text-muted">{emptyText}</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative", minWidth: "100%" }} className="w-max">
          {virtualizer.getVirtualItems().map((v) => {
            const l = lines[v.index]!;
            const prev = lines[v.index - 1];
            const newStep = l.step !== null && prev?.step !== l.step;
            return (
              <div
                key={l.key}
                data-line={l.n}
                data-stream={l.stream}
                className={cn(
                  "absolute left-0 flex w-full whitespace-pre pr-4",
                  l.stream === "err" && "bg-failing/5 text-failing",
                  l.stream === "sys" && "text-accent",
                  newStep && "border-t border-border/70",
                )}
                style={{ transform: `translateY(${v.start}px)`, height: ROW }}
                title={l.step !== null ? stepNames[l.step] : undefined}
              >
                <span className="sticky left-0 inline-block w-14 shrink-0 select-none bg-inherit pr-3 text-right text-muted/70">{l.n}</span>
                <span><AnsiText text={l.text} /></span>
              </div>
            );
          })}
        </div>
      </div>
      {!follow && lines.length > 0 ? (
        <Button size="sm" variant="secondary" className="absolute bottom-3 right-4 shadow" onClick={() => { setFollow(true); virtualizer.scrollToIndex(lines.length - 1, { align: "end" }); }}>
          <ArrowDownToLine className="size-3.5" /> Follow
        </Button>
      ) : null}
    </div>
  );
}
