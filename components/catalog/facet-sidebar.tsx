"use client";
import { useState } from "react";
import type { RouterOutputs } from "@/lib/trpc";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { DIMENSION_LABEL, DIMENSIONS, type Dimension, type Filters } from "./url-state";

type FacetMap = RouterOutputs["catalog"]["facets"]["facets"];

const SHOWN = 8;

/** Facet filters with counts; multi-select within a dimension (a dimension's counts ignore its own filter). */
export function FacetSidebar({
  facets,
  loading,
  selected,
  onToggle,
  onClear,
}: {
  facets: FacetMap | null;
  loading: boolean;
  selected: Filters;
  onToggle: (dim: Dimension, value: string) => void;
  onClear?: () => void;
}) {
  return (
    <Card className="grid gap-x-4 p-3 max-[1099px]:grid-cols-2 min-[700px]:max-[1099px]:grid-cols-3" aria-label="Filters" role="group" data-testid="facets">
      <div className="col-span-full mb-1 flex items-center justify-between">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-muted">Filters</h2>
        {onClear ? (
          <button type="button" onClick={onClear} className="text-xs text-accent hover:underline">Clear all</button>
        ) : null}
      </div>
      {DIMENSIONS.map((d) => (
        <FacetGroup key={d} dim={d} values={facets?.[d] ?? null} loading={loading && !facets} selected={selected[d] ?? []} onToggle={(v) => onToggle(d, v)} />
      ))}
    </Card>
  );
}

function FacetGroup({
  dim,
  values,
  loading,
  selected,
  onToggle,
}: {
  dim: Dimension;
  values: FacetMap[Dimension] | null;
  loading: boolean;
  selected: string[];
  onToggle: (value: string) => void;
}) {
  const [all, setAll] = useState(false);
  const list = values ?? [];
  // Selected values first, so a chosen value never hides behind "show more".
  const ordered = [...list.filter((v) => selected.includes(v.value)), ...list.filter((v) => !selected.includes(v.value))];
  const shown = all ? ordered : ordered.slice(0, Math.max(SHOWN, selected.length));
  const id = `facet-${dim}`;
  return (
    <fieldset className="min-w-0 border-t border-border py-2.5 first-of-type:border-t-0" aria-labelledby={id}>
      <legend id={id} className="sr-only">{DIMENSION_LABEL[dim]}</legend>
      <div aria-hidden className="mb-1 text-xs font-medium text-fg">{DIMENSION_LABEL[dim]}</div>
      {loading ? (
        <div className="space-y-1.5">{[0, 1, 2].map((i) => <Skeleton key={i} className="h-4 w-full" />)}</div>
      ) : ordered.length === 0 ? (
        <p className="text-xs text-muted">No values</p>
      ) : (
        <ul className="space-y-px">
          {shown.map((v) => {
            const checked = selected.includes(v.value);
            return (
              <li key={v.value}>
                <label className={cn("flex cursor-pointer items-center gap-2 rounded px-1 py-0.5 text-xs hover:bg-subtle", checked && "font-medium")}>
                  <input type="checkbox" className="size-3.5 accent-[var(--accent)]" checked={checked} onChange={() => onToggle(v.value)} />
                  <span className="min-w-0 flex-1 truncate" title={v.value}>{v.label}</span>
                  <span className="tabular-nums text-muted">{v.count.toLocaleString()}</span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {ordered.length > SHOWN ? (
        <button type="button" onClick={() => setAll((a) => !a)} className="mt-1 px-1 text-xs text-accent hover:underline" aria-expanded={all}>
          {all ? "Show fewer" : `Show all ${ordered.length}`}
        </button>
      ) : null}
    </fieldset>
  );
}
