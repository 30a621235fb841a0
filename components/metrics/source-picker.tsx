"use client";
import { Select } from "@/components/ui/input";

type SourceInfo = { name: string; label: string; environment: string | null };

/** Switches the data source (one per cluster/environment) of the metrics on a page. */
export function SourcePicker({ sources, value, onChange, className }: { sources: SourceInfo[]; value: string; onChange: (name: string) => void; className?: string }) {
  return (
    <Select aria-label="Data source" value={value} onChange={(e) => onChange(e.target.value)} className={className ?? "h-7 w-40 text-xs"} data-testid="source-picker">
      {sources.map((s) => (
        <option key={s.name} value={s.name}>
          {s.label}
          {s.environment && !s.label.includes(s.environment) ? ` · ${s.environment}` : ""}
        </option>
      ))}
    </Select>
  );
}
