"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ArrowLeft, ArrowRight, Check, Pencil, Plus, Trash2, X } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/input";
import { ErrorNote } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { GRID, PanelCard, SPAN, type PanelDef } from "./panel-card";

type Team = { id: string; slug: string; name: string };
type Source = { name: string; label: string };
type Preset = "1h" | "6h" | "24h" | "7d";
export type EditorValue = { id?: string; version?: number; title: string; description: string; range: Preset; ownerTeamId: string; panels: PanelDef[] };

const SIGNALS = [
  ["requestRate", "Request rate"],
  ["errorRatio", "Error ratio (5xx)"],
  ["latency", "Latency p50/p95/p99"],
  ["cpu", "CPU"],
  ["memory", "Memory"],
] as const;
const UNITS = ["none", "req/s", "ratio", "seconds", "cores", "bytes"] as const;
const SIZES = [
  ["s", "Small (¼)"],
  ["m", "Medium (½)"],
  ["l", "Large (¾)"],
  ["xl", "Full width"],
] as const;

const newId = () => Math.random().toString(36).slice(2, 10).padEnd(6, "0");

/**
 * Compose a dashboard: title, team, default range, and panels on the grid (add, edit, resize, move, remove), each
 * previewed live from the data source before saving. Saving asks the data source to parse every PromQL panel.
 */
export function DashboardEditor({ initial, teams, sources, onDone }: { initial: EditorValue; teams: Team[]; sources: Source[]; onDone?: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const qc = useQueryClient();
  const [value, setValue] = useState<EditorValue>(initial);
  const [editing, setEditing] = useState<{ index: number | null; panel: PanelDef } | null>(null);
  const set = (patch: Partial<EditorValue>) => setValue((v) => ({ ...v, ...patch }));
  const move = (i: number, by: -1 | 1) => {
    const j = i + by;
    if (j < 0 || j >= value.panels.length) return;
    const panels = [...value.panels];
    [panels[i], panels[j]] = [panels[j]!, panels[i]!];
    set({ panels });
  };
  const create = useMutation(trpc.dashboards.create.mutationOptions({ onSuccess: ({ id }) => router.push(`/dashboards/d/${id}`) }));
  const update = useMutation(
    trpc.dashboards.update.mutationOptions({
      onSuccess: async () => {
        await qc.invalidateQueries({ queryKey: trpc.dashboards.get.queryKey({ id: value.id! }) });
        onDone?.();
      },
    }),
  );
  const remove = useMutation(trpc.dashboards.delete.mutationOptions({ onSuccess: () => router.push("/dashboards/d") }));
  const saving = create.isPending || update.isPending;
  const save = () => {
    const body = { title: value.title, description: value.description, range: value.range, panels: value.panels };
    if (value.id) update.mutate({ ...body, id: value.id, version: value.version! });
    else create.mutate({ ...body, ownerTeamId: value.ownerTeamId });
  };
  const error = create.error ?? update.error ?? remove.error;

  return (
    <div data-testid="dashboard-editor">
      <Card className="mb-4 p-4">
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Field label="Title">
            <Input value={value.title} onChange={(e) => set({ title: e.target.value })} required maxLength={120} className="w-64" aria-label="Dashboard title" />
          </Field>
          <Field label="Description">
            <Input value={value.description} onChange={(e) => set({ description: e.target.value })} maxLength={1000} className="w-72" />
          </Field>
          <Field label="Owner team">
            <Select value={value.ownerTeamId} onChange={(e) => set({ ownerTeamId: e.target.value })} disabled={Boolean(value.id)} className="w-44" aria-label="Owner team">
              {teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </Select>
          </Field>
          <Field label="Opens with">
            <Select value={value.range} onChange={(e) => set({ range: e.target.value as Preset })} className="w-24">
              {(["1h", "6h", "24h", "7d"] as const).map((r) => <option key={r} value={r}>{r}</option>)}
            </Select>
          </Field>
          <div className="ml-auto flex gap-2">
            {value.id ? (
              <Button type="button" variant="ghost" onClick={() => window.confirm(`Delete "${value.title}"?`) && remove.mutate({ id: value.id! })}>
                <Trash2 className="size-4" aria-hidden /> Delete
              </Button>
            ) : null}
            {onDone ? <Button type="button" onClick={onDone}>Cancel</Button> : null}
            <Button type="submit" variant="primary" disabled={saving || !value.title.trim() || !value.ownerTeamId}>
              <Check className="size-4" aria-hidden /> {saving ? "Saving…" : "Save dashboard"}
            </Button>
          </div>
        </form>
        {error ? <div className="mt-3"><ErrorNote error={error} /></div> : null}
      </Card>

      {editing ? (
        <PanelForm
          key={editing.panel.id}
          initial={editing.panel}
          sources={sources}
          onCancel={() => setEditing(null)}
          onApply={(p) => {
            const panels = [...value.panels];
            if (editing.index === null) panels.push(p);
            else panels[editing.index] = p;
            set({ panels });
            setEditing(null);
          }}
        />
      ) : (
        <div className="mb-3">
          <Button type="button" onClick={() => setEditing({ index: null, panel: { id: newId(), title: "", size: "m", kind: "promql", query: "", unit: "none" } })} disabled={value.panels.length >= 24}>
            <Plus className="size-4" aria-hidden /> Add panel
          </Button>
        </div>
      )}

      {value.panels.length === 0 ? (
        <p className="rounded-lg border border-dashed border-border px-4 py-10 text-center text-sm text-muted">No panels yet: add a PromQL query or a golden signal of a service.</p>
      ) : (
        <div className={GRID}>
          {value.panels.map((p, i) => (
            <PanelCard
              key={p.id}
              panel={p}
              range={{ preset: value.range }}
              className={SPAN[p.size ?? "m"]}
              actions={
                <>
                  <IconButton label={`Move ${p.title} earlier`} onClick={() => move(i, -1)} disabled={i === 0}><ArrowLeft className="size-3.5" /></IconButton>
                  <IconButton label={`Move ${p.title} later`} onClick={() => move(i, 1)} disabled={i === value.panels.length - 1}><ArrowRight className="size-3.5" /></IconButton>
                  <select
                    aria-label={`Size of ${p.title}`}
                    value={p.size ?? "m"}
                    onChange={(e) => set({ panels: value.panels.map((x, k) => (k === i ? { ...x, size: e.target.value as NonNullable<PanelDef["size"]> } : x)) })}
                    className="h-6 rounded border border-border bg-card px-1 text-[11px]"
                  >
                    {SIZES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                  </select>
                  <IconButton label={`Edit ${p.title}`} onClick={() => setEditing({ index: i, panel: p })}><Pencil className="size-3.5" /></IconButton>
                  <IconButton label={`Remove ${p.title}`} onClick={() => set({ panels: value.panels.filter((_, k) => k !== i) })}><X className="size-3.5" /></IconButton>
                </>
              }
            />
          ))}
        </div>
      )}
    </div>
  );
}

function IconButton({ label, onClick, disabled, children }: { label: string; onClick: () => void; disabled?: boolean; children: React.ReactNode }) {
  return (
    <button type="button" aria-label={label} title={label} onClick={onClick} disabled={disabled} className="rounded p-1 text-muted hover:bg-subtle hover:text-fg disabled:opacity-30">
      {children}
    </button>
  );
}

/** Edits one panel; "Check query" asks the data source to parse the PromQL and shows its verdict. */
function PanelForm({ initial, sources, onApply, onCancel }: { initial: PanelDef; sources: Source[]; onApply: (p: PanelDef) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const [p, setP] = useState<PanelDef>(initial);
  const [checked, setChecked] = useState<{ query: string; source?: string } | null>(null);
  const check = useQuery({ ...trpc.dashboards.validateQuery.queryOptions({ query: checked?.query ?? "", source: checked?.source }), enabled: Boolean(checked?.query) });
  const kindOf = (kind: "promql" | "signal"): PanelDef =>
    kind === "promql"
      ? { id: p.id, title: p.title, size: p.size, source: p.source, kind, query: "", unit: "none" }
      : { id: p.id, title: p.title, size: p.size, source: p.source, kind, entityRef: "", signal: "requestRate" };
  const valid = p.title.trim() && (p.kind === "promql" ? p.query.trim() : p.entityRef.trim());
  const verdict = checked && checked.query === (p.kind === "promql" ? p.query : "") ? check.data : undefined;
  return (
    <Card className="mb-4 p-4" data-testid="panel-form">
      <form
        className="grid gap-3 min-[900px]:grid-cols-[12rem_minmax(0,1fr)]"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) onApply(p);
        }}
      >
        <fieldset className="flex flex-col gap-2 text-sm">
          <legend className="mb-1 text-xs font-medium text-muted">Panel</legend>
          {(["promql", "signal"] as const).map((k) => (
            <label key={k} className="inline-flex items-center gap-2">
              <input type="radio" name="kind" checked={p.kind === k} onChange={() => setP(kindOf(k))} /> {k === "promql" ? "PromQL query" : "Golden signal of a service"}
            </label>
          ))}
        </fieldset>
        <div className="flex flex-wrap items-end gap-3">
          <Field label="Title">
            <Input value={p.title} onChange={(e) => setP({ ...p, title: e.target.value })} required maxLength={120} className="w-56" aria-label="Panel title" />
          </Field>
          {p.kind === "promql" ? (
            <Field label="Unit">
              <Select value={p.unit ?? "none"} onChange={(e) => setP({ ...p, unit: e.target.value as (typeof UNITS)[number] })} className="w-28">
                {UNITS.map((u) => <option key={u} value={u}>{u}</option>)}
              </Select>
            </Field>
          ) : (
            <>
              <Field label="Service (catalog ref)">
                <Input value={p.entityRef} onChange={(e) => setP({ ...p, entityRef: e.target.value })} placeholder="component:payments-api" className="w-56" aria-label="Service" />
              </Field>
              <Field label="Signal">
                <Select value={p.signal} onChange={(e) => setP({ ...p, signal: e.target.value as (typeof SIGNALS)[number][0] })} className="w-44">
                  {SIGNALS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                </Select>
              </Field>
            </>
          )}
          <Field label="Data source">
            <Select value={p.source ?? ""} onChange={(e) => setP({ ...p, source: e.target.value || undefined })} className="w-40">
              <option value="">{p.kind === "signal" ? "The service's own" : "Default"}</option>
              {sources.map((s) => <option key={s.name} value={s.name}>{s.label}</option>)}
            </Select>
          </Field>
          <Field label="Size">
            <Select value={p.size ?? "m"} onChange={(e) => setP({ ...p, size: e.target.value as NonNullable<PanelDef["size"]> })} className="w-36">
              {SIZES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </Select>
          </Field>
        </div>
        {p.kind === "promql" ? (
          <div className="min-[900px]:col-start-2">
            <label className="flex flex-col gap-1 text-xs font-medium text-muted">
              <span>
                PromQL <span className="font-normal">· <code className="font-mono">$__rate_interval</code> becomes the chart&apos;s rate window</span>
              </span>
              <textarea
                value={p.query}
                onChange={(e) => setP({ ...p, query: e.target.value })}
                rows={3}
                maxLength={2000}
                spellCheck={false}
                aria-label="PromQL expression"
                className="rounded-md border border-border bg-card px-2.5 py-1.5 font-mono text-sm text-fg"
                placeholder='sum by (code) (rate(http_requests_total{service="payments-api"}[$__rate_interval]))'
              />
            </label>
            <div className="mt-1 flex items-center gap-2 text-xs">
              <Button type="button" size="sm" onClick={() => setChecked({ query: p.query, source: p.source })} disabled={!p.query.trim()}>
                Check query
              </Button>
              {verdict ? (
                verdict.error ? <span role="alert" className="font-mono text-failing" data-testid="query-check">{verdict.error}</span> : <span className="text-healthy" data-testid="query-check">The data source parses this query.</span>
              ) : check.isFetching ? <span className="text-muted">Checking…</span> : null}
            </div>
          </div>
        ) : null}
        <div className={cn("flex gap-2 min-[900px]:col-start-2")}>
          <Button type="submit" variant="primary" disabled={!valid}>Apply panel</Button>
          <Button type="button" onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}
