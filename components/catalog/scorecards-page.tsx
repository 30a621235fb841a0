"use client";
import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { ArrowDown, ArrowUp, Award, Download, Pencil } from "lucide-react";
import { useTRPC, type RouterInputs, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, Skeleton, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { fieldErrors } from "@/components/ui/field-errors";
import { CatalogTabs } from "./catalog-tabs";
import { levelTone } from "./score-badge";
import { InlineCode } from "./inline-code";
import { entityHref, kindLabel } from "./refs";

type OverviewInput = RouterInputs["catalog"]["scorecardOverview"];
type SortKey = NonNullable<OverviewInput["sort"]>;
type Dir = NonNullable<OverviewInput["dir"]>;
type Row = RouterOutputs["catalog"]["scorecardOverview"]["items"][number];

const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: "owner", label: "Owner", numeric: false },
  { key: "entities", label: "Scored", numeric: true },
  { key: "average", label: "Average", numeric: true },
  { key: "gold", label: "Gold", numeric: true },
  { key: "silver", label: "Silver", numeric: true },
  { key: "bronze", label: "Bronze", numeric: true },
  { key: "none", label: "None", numeric: true },
];
const SORT_KEYS = COLUMNS.map((c) => c.key);
const KINDS = ["Component", "API", "Resource", "System"];

export function ScorecardsPage({ canEditRules }: { canEditRules: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const pathname = usePathname();
  const params = useSearchParams();
  const sort: SortKey = SORT_KEYS.find((k) => k === params.get("sort")) ?? "average";
  const dir: Dir = params.get("dir") === "asc" ? "asc" : params.get("dir") === "desc" ? "desc" : sort === "owner" ? "asc" : "desc";
  const kind = KINDS.find((k) => k === params.get("kind"));
  const setView = (v: { sort: SortKey; dir: Dir; kind?: string }) => {
    const p = new URLSearchParams({ sort: v.sort, dir: v.dir });
    if (v.kind) p.set("kind", v.kind);
    window.history.replaceState(null, "", `${pathname}?${p.toString()}`);
  };
  const overview = useInfiniteQuery(
    trpc.catalog.scorecardOverview.infiniteQueryOptions({ sort, dir, kind, limit: 50 }, { getNextPageParam: (l) => l.nextCursor ?? undefined }),
  );
  const rows = overview.data?.pages.flatMap((p) => p.items) ?? [];
  const [exporting, setExporting] = useState(false);

  const exportCsv = async () => {
    setExporting(true);
    try {
      const r = await qc.fetchQuery({ ...trpc.catalog.scorecardExport.queryOptions({ sort, dir, kind }), staleTime: 0 });
      const url = URL.createObjectURL(new Blob([r.csv], { type: r.contentType }));
      const a = document.createElement("a");
      a.href = url;
      a.download = r.filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      toast.success(`Exported ${r.rows} owners${r.truncated ? " (truncated at 10,000)" : ""}`);
    } catch (e) {
      toast.error((e as Error).message);
    } finally {
      setExporting(false);
    }
  };

  const header = (c: (typeof COLUMNS)[number]) => {
    const active = sort === c.key;
    const next: Dir = active ? (dir === "asc" ? "desc" : "asc") : c.numeric ? "desc" : "asc";
    return (
      <Th key={c.key} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"} className={cn(c.numeric && "text-right", c.key === "none" && "max-[900px]:hidden")}>
        <button type="button" onClick={() => setView({ sort: c.key, dir: next, kind })} className={cn("inline-flex items-center gap-1 uppercase hover:text-fg", active && "text-fg")}>
          {c.label}
          {active ? dir === "asc" ? <ArrowUp className="size-3" aria-hidden /> : <ArrowDown className="size-3" aria-hidden /> : null}
        </button>
      </Th>
    );
  };

  return (
    <>
      <PageHeader
        title="Catalog"
        description="How well each owner's entities meet the scorecard rules: average score and how many reached each level."
        actions={
          <Button size="sm" onClick={() => void exportCsv()} disabled={exporting || rows.length === 0}>
            <Download className="size-3.5" /> {exporting ? "Exporting…" : "Export CSV"}
          </Button>
        }
      />
      <CatalogTabs />
      <div className="mb-3 flex items-center gap-2 text-xs text-muted">
        <label className="flex items-center gap-2">
          Kind
          <Select aria-label="Kind" value={kind ?? ""} onChange={(e) => setView({ sort, dir, kind: e.target.value || undefined })} className="w-40">
            <option value="">All kinds</option>
            {KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
          </Select>
        </label>
      </div>
      <ErrorNote error={overview.error} />
      <Card>
        {overview.isPending ? (
          <TableSkeleton rows={6} />
        ) : rows.length === 0 ? (
          <div className="p-4">
            <EmptyState icon={<Award className="size-6" />} title="Nothing scored yet">Scores appear once entities that the rules apply to are in the catalog.</EmptyState>
          </div>
        ) : (
          <Table data-testid="scorecard-overview">
            <thead><tr>{COLUMNS.map(header)}</tr></thead>
            <tbody>
              {rows.map((r) => <OverviewRow key={r.ownerRef} r={r} />)}
            </tbody>
          </Table>
        )}
        {overview.hasNextPage ? (
          <div className="border-t border-border p-2 text-right">
            <Button size="sm" onClick={() => overview.fetchNextPage()} disabled={overview.isFetchingNextPage}>Load more owners</Button>
          </div>
        ) : null}
      </Card>
      <Rules canEdit={canEditRules} />
    </>
  );
}

function OverviewRow({ r }: { r: Row }) {
  const href = r.teamSlug ? `/teams/${r.teamSlug}` : r.ownerRef.includes(":") ? entityHref(r.ownerRef) : null;
  const level = (n: number, l: string) => (n ? <Badge tone={levelTone(l)} className="tabular-nums">{n}</Badge> : <span className="text-muted">0</span>);
  return (
    <Tr data-owner={r.ownerRef}>
      <Td>
        {href ? <Link href={href} className="font-medium hover:underline">{r.teamName ?? r.owner}</Link> : <span className="text-muted">{r.owner}</span>}
        {r.teamName && r.teamName.toLowerCase() !== r.owner.toLowerCase() ? <div className="text-xs text-muted">{r.owner}</div> : null}
      </Td>
      <Td className="text-right tabular-nums">{r.entities}</Td>
      <Td className="text-right">
        <div className="inline-flex items-center gap-2">
          <div className="h-1.5 w-16 overflow-hidden rounded-full bg-subtle max-[900px]:hidden" aria-hidden>
            <div className="h-full bg-accent" style={{ width: `${Math.max(0, Math.min(100, r.average ?? 0))}%` }} />
          </div>
          <span className="w-10 tabular-nums">{r.average === null ? "—" : r.average.toFixed(1)}</span>
        </div>
      </Td>
      <Td className="text-right">{level(r.gold, "gold")}</Td>
      <Td className="text-right">{level(r.silver, "silver")}</Td>
      <Td className="text-right">{level(r.bronze, "bronze")}</Td>
      <Td className="text-right max-[900px]:hidden">{level(r.none, "none")}</Td>
    </Tr>
  );
}

function Rules({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.catalog.scorecardRules.queryOptions());
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Card className="mt-4" id="rules">
      <CardHeader
        title="Rules"
        description={
          rules.data
            ? `${rules.data.rules.length} rules · ${rules.data.source === "ui" ? `edited in the UI${rules.data.updatedBy ? ` by ${rules.data.updatedBy}` : ""}` : "from the rules file"} · updated ${rules.data.updatedAt ? new Date(rules.data.updatedAt).toLocaleString() : "—"}`
            : undefined
        }
        actions={
          canEdit && rules.data && editing === null ? (
            <Button size="sm" onClick={() => setEditing(rules.data.yaml)}>
              <Pencil className="size-3.5" /> Edit rules
            </Button>
          ) : null
        }
      />
      {rules.error ? (
        <div className="p-4"><ErrorNote error={rules.error} /></div>
      ) : rules.isPending ? (
        <div className="space-y-2 p-4">{[0, 1, 2].map((i) => <Skeleton key={i} className="h-5 w-full" />)}</div>
      ) : editing !== null ? (
        <RulesEditor initial={editing} onDone={() => setEditing(null)} />
      ) : rules.data.rules.length === 0 ? (
        <p className="p-4 text-sm text-muted">No rules: nothing is scored.</p>
      ) : (
        <Table>
          <thead><tr><Th>Rule</Th><Th>Level</Th><Th className="text-right">Weight</Th><Th className="max-[900px]:hidden">Applies to</Th><Th>How to fix</Th></tr></thead>
          <tbody>
            {rules.data.rules.map((r) => (
              <Tr key={r.id}>
                <Td><div className="font-medium">{r.title}</div><div className="font-mono text-[11px] text-muted">{r.id}</div></Td>
                <Td><Badge tone={levelTone(r.level)}>{r.level}</Badge></Td>
                <Td className="text-right tabular-nums">{r.weight}</Td>
                <Td className="text-xs text-muted max-[900px]:hidden">
                  {(r.appliesTo.kinds ?? ["Component"]).join(", ")}
                  {r.appliesTo.types ? <div>types: {r.appliesTo.types.join(", ")}</div> : null}
                  {r.appliesTo.lifecycles ? <div>lifecycles: {r.appliesTo.lifecycles.join(", ")}</div> : null}
                </Td>
                <Td className="text-xs text-muted">{r.fix ? <InlineCode text={r.fix} /> : "—"}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

function RulesEditor({ initial, onDone }: { initial: string; onDone: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [yaml, setYaml] = useState(initial);
  const save = useMutation(
    trpc.catalog.updateScorecardRules.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Saved ${r.rules} rules; rescored ${r.rescored} entities`);
        void qc.invalidateQueries({ queryKey: trpc.catalog.pathKey() });
        onDone();
      },
    }),
  );
  const fe = fieldErrors(save.error);
  const error = fe.yaml ?? (save.error && !Object.keys(fe).length ? save.error.message : null);
  return (
    <form
      className="space-y-3 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ yaml });
      }}
    >
      <label htmlFor="rules-yaml" className="block text-xs font-medium text-muted">
        Rules (YAML; see docs/catalog.md). Saving rescores every entity and is audited.
      </label>
      <textarea
        id="rules-yaml"
        value={yaml}
        onChange={(e) => setYaml(e.target.value)}
        spellCheck={false}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? "rules-error" : undefined}
        rows={22}
        className="w-full rounded-md border border-border bg-bg p-3 font-mono text-xs leading-relaxed text-fg aria-[invalid=true]:border-failing"
      />
      {error ? <p id="rules-error" role="alert" className="rounded-md border border-failing/40 bg-failing/10 px-3 py-2 font-mono text-xs text-failing">{error}</p> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={save.isPending || yaml === initial}>{save.isPending ? "Saving…" : "Save and rescore"}</Button>
        <Button type="button" variant="ghost" onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
