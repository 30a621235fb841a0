import type { HTMLAttributes, ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { ChevronRight } from "lucide-react";
import { cn } from "./cn";

export function Table({ className, ...p }: HTMLAttributes<HTMLTableElement>) {
  return <div className="overflow-x-auto"><table className={cn("w-full border-collapse text-sm", className)} {...p} /></div>;
}
export function Th({ className, ...p }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th className={cn("border-b border-border px-3 py-2 text-left text-xs font-medium uppercase tracking-wide text-muted", className)} {...p} />;
}
export function Td({ className, ...p }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn("border-b border-border px-3 py-2 align-top", className)} {...p} />;
}
export function Tr({ className, ...p }: HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={cn("hover:bg-subtle/60", className)} {...p} />;
}

/** The chevron that opens a row's DetailRow; `what` completes the label: "Show details of …" / "Hide details of …". */
export function RowToggle({ open, onToggle, what }: { open: boolean; onToggle: () => void; what: string }) {
  return (
    <button type="button" onClick={onToggle} aria-expanded={open} aria-label={`${open ? "Hide" : "Show"} ${what}`} className="rounded p-0.5 text-muted hover:bg-subtle hover:text-fg">
      <ChevronRight className={cn("size-3.5 transition-transform", open && "rotate-90")} />
    </button>
  );
}

/** The full-width row under an expanded row (details, errors). */
export function DetailRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="border-b border-border bg-subtle/50 px-4 py-3">
        {children}
      </td>
    </tr>
  );
}
