"use client";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState, type FormEvent } from "react";
import { toast } from "sonner";
import { ChevronRight, FolderGit2, RefreshCw, Trash2, Upload } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { DetailRow, Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { fieldErrors } from "@/components/ui/field-errors";
import { CatalogTabs } from "./catalog-tabs";
import { displayRef } from "./refs";

type Location = RouterOutputs["catalog"]["locations"]["items"][number];
type Summary = RouterOutputs["catalog"]["upload"]["summary"];

const statusTone = { ok: "healthy", warning: "degraded", error: "failing", pending: "unknown" } as const;
const MAX_BYTES = 1024 * 1024;

export function LocationsAdmin({ canManage }: { canManage: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const locations = useInfiniteQuery(trpc.catalog.locations.infiniteQueryOptions({ limit: 50 }, { getNextPageParam: (l) => l.nextCursor ?? undefined }));
  const items = locations.data?.pages.flatMap((p) => p.items) ?? [];
  const invalidate = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: trpc.catalog.locations.pathKey() }),
      qc.invalidateQueries({ queryKey: trpc.catalog.locationErrors.pathKey() }),
      qc.invalidateQueries({ queryKey: trpc.catalog.list.pathKey() }),
      qc.invalidateQueries({ queryKey: trpc.catalog.facets.pathKey() }),
    ]);
  const refreshAll = useMutation(
    trpc.catalog.refreshAll.mutationOptions({
      onSuccess: () => toast.success("Refresh of every location queued; the worker picks it up within seconds"),
      onError: (e) => toast.error(e.message),
    }),
  );

  return (
    <>
      <PageHeader
        title="Catalog"
        description="Where the catalog is read from: configured directories and git working copies, and descriptor files uploaded here."
        actions={
          canManage ? (
            <>
              <Button size="sm" onClick={() => void invalidate()} aria-label="Reload the list">
                <RefreshCw className="size-3.5" /> Reload
              </Button>
              <Button size="sm" variant="primary" onClick={() => refreshAll.mutate()} disabled={refreshAll.isPending}>
                <RefreshCw className={cn("size-3.5", refreshAll.isPending && "animate-spin")} /> Refresh all
              </Button>
            </>
          ) : null
        }
      />
      <CatalogTabs />
      <div className="grid items-start gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0">
          <ErrorNote error={locations.error} />
          <Card>
            <CardHeader title="Locations" description={canManage ? undefined : "Team admins can upload descriptors, refresh and delete locations."} />
            {locations.isPending ? (
              <TableSkeleton rows={4} />
            ) : items.length === 0 ? (
              <div className="p-4">
                <EmptyState icon={<FolderGit2 className="size-6" />} title="No locations yet">
                  Set <code className="font-mono">OPSDECK_CATALOG_PATHS</code> on the server{canManage ? ", or upload a catalog-info.yaml here" : ""}.
                </EmptyState>
              </div>
            ) : (
              <LocationTable items={items} canManage={canManage} onChanged={invalidate} />
            )}
            {locations.hasNextPage ? (
              <div className="border-t border-border p-2 text-right">
                <Button size="sm" onClick={() => locations.fetchNextPage()} disabled={locations.isFetchingNextPage}>Load more</Button>
              </div>
            ) : null}
          </Card>
        </div>
        {canManage ? <UploadCard uploads={items.filter((l) => l.kind === "upload")} onDone={invalidate} /> : null}
      </div>
    </>
  );
}

function LocationTable({ items, canManage, onChanged }: { items: Location[]; canManage: boolean; onChanged: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState<string | null>(() => (typeof window !== "undefined" && window.location.hash.startsWith("#loc-") ? window.location.hash.slice(5) : null));
  const refresh = useMutation(
    trpc.catalog.refreshLocation.mutationOptions({
      onSuccess: (s) => {
        toast.success(`Refreshed: ${s.entities} entities (${s.added} added, ${s.updated} updated, ${s.removed} removed), ${s.errors} errors`);
        void onChanged();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  const del = useMutation(
    trpc.catalog.deleteLocation.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Location deleted with its ${r.removed} entities`);
        void onChanged();
      },
      onError: (e) => toast.error(e.message),
    }),
  );
  return (
    <Table data-testid="locations-table">
      <thead>
        <tr>
          <Th className="w-6" />
          <Th>Location</Th>
          <Th>Status</Th>
          <Th className="text-right">Entities</Th>
          <Th className="text-right">Problems</Th>
          {canManage ? <Th className="text-right">Actions</Th> : null}
        </tr>
      </thead>
      <tbody>
        {items.map((l) => {
          const expanded = open === l.id;
          return (
            <Fragment key={l.id}>
              <Tr id={`loc-${l.id}`} data-location={l.target} aria-expanded={expanded}>
                <Td>
                  <button type="button" onClick={() => setOpen(expanded ? null : l.id)} aria-label={`${expanded ? "Hide" : "Show"} problems of ${l.target}`} aria-expanded={expanded} className="rounded p-0.5 text-muted hover:bg-subtle hover:text-fg">
                    <ChevronRight className={cn("size-3.5 transition-transform", expanded && "rotate-90")} />
                  </button>
                </Td>
                <Td className="min-w-0">
                  <div className="flex items-center gap-1.5">
                    <Badge>{l.kind}</Badge>
                    <span className="font-mono text-xs [overflow-wrap:anywhere]">{l.target}</span>
                  </div>
                  <div className="mt-0.5 text-xs text-muted">{l.origin === "config" ? "from OPSDECK_CATALOG_PATHS" : `uploaded${l.createdBy ? ` by ${l.createdBy}` : ""}`}</div>
                  {l.message && l.status !== "ok" ? <div className="mt-0.5 text-xs text-muted">{l.message}</div> : null}
                </Td>
                <Td className="whitespace-nowrap">
                  <Badge tone={statusTone[l.status]}>{l.status}</Badge>
                  <div className="mt-1 text-xs text-muted" title={l.lastRefreshAt ? `Last refresh ${l.lastRefreshAt.toLocaleString()}` : undefined}>{l.lastRefreshAt ? relative(l.lastRefreshAt) : "never refreshed"}</div>
                </Td>
                <Td className="text-right tabular-nums">{l.entityCount}</Td>
                <Td className={cn("text-right tabular-nums", l.problemCount > 0 && "font-medium text-failing")}>{l.problemCount}</Td>
                {canManage ? (
                  <Td className="whitespace-nowrap text-right">
                    <Button size="sm" variant="ghost" aria-label={`Refresh ${l.target}`} title="Refresh now" disabled={refresh.isPending} onClick={() => refresh.mutate({ locationId: l.id })}>
                      <RefreshCw className={cn("size-3.5", refresh.isPending && refresh.variables?.locationId === l.id && "animate-spin")} />
                    </Button>
                    {l.origin !== "config" ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        className="text-failing"
                        aria-label={`Delete ${l.target}`}
                        title="Delete this location and its entities"
                        disabled={del.isPending}
                        onClick={() => {
                          if (confirm(`Delete ${l.target} and the ${l.entityCount} entities it defines?`)) del.mutate({ locationId: l.id });
                        }}
                      >
                        <Trash2 className="size-3.5" />
                      </Button>
                    ) : null}
                  </Td>
                ) : null}
              </Tr>
              {expanded ? (
                <DetailRow colSpan={canManage ? 6 : 5}>
                  <LocationErrors locationId={l.id} />
                </DetailRow>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </Table>
  );
}

/** A location's problems: file, line, code and a plain message; keyset-paginated. */
export function LocationErrors({ locationId }: { locationId: string }) {
  const trpc = useTRPC();
  const q = useInfiniteQuery(trpc.catalog.locationErrors.infiniteQueryOptions({ locationId, limit: 100 }, { getNextPageParam: (l) => l.nextCursor ?? undefined }));
  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  if (q.error) return <ErrorNote error={q.error} />;
  if (q.isPending) return <TableSkeleton rows={2} />;
  if (!rows.length) return <p className="text-sm text-muted">No problems in the last refresh.</p>;
  return (
    <div data-testid="location-errors">
      <ul className="divide-y divide-border rounded-md border border-border bg-card">
        {rows.map((r) => (
          <li key={r.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 px-3 py-2 text-xs" data-code={r.code}>
            <Badge tone={r.severity === "error" ? "failing" : "degraded"}>{r.severity}</Badge>
            <span className="font-mono" data-testid="error-position">{r.file}{r.line ? `:${r.line}` : ""}</span>
            <span className="font-mono text-muted">{r.code}</span>
            <span className="basis-full text-sm text-fg min-[900px]:basis-auto">{r.message}</span>
            {r.entityRef ? <span className="font-mono text-muted">{displayRef(r.entityRef)}</span> : null}
          </li>
        ))}
      </ul>
      {q.hasNextPage ? <Button size="sm" className="mt-2" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>More problems</Button> : null}
    </div>
  );
}

function UploadCard({ uploads, onDone }: { uploads: Location[]; onDone: () => Promise<unknown> }) {
  const trpc = useTRPC();
  // Remounting the input (new key) clears the chosen file after an upload.
  const [inputKey, setInputKey] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [replace, setReplace] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const [result, setResult] = useState<{ locationId: string; target: string; summary: Summary } | null>(null);
  const upload = useMutation(
    trpc.catalog.upload.mutationOptions({
      onSuccess: (r) => {
        setResult({ locationId: r.location.id, target: r.location.target, summary: r.summary });
        if (r.summary.errors) toast.error(`${r.location.target}: ${r.summary.errors} error${r.summary.errors > 1 ? "s" : ""} — see below`);
        else toast.success(`${r.location.target}: ${r.summary.entities} entities ingested`);
        setFile(null);
        setReplace("");
        setInputKey((k) => k + 1);
        void onDone();
      },
    }),
  );
  const fe = fieldErrors(upload.error);
  const generalError = upload.error && !Object.keys(fe).length ? upload.error : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (!file) return setLocalError("Choose a descriptor file");
    if (file.size > MAX_BYTES) return setLocalError("The file is larger than 1 MiB");
    const content = await file.text();
    upload.mutate({ fileName: file.name, content, ...(replace ? { locationId: replace } : {}) });
  };

  return (
    <Card>
      <CardHeader title="Upload a descriptor" description="catalog-info.yaml (Backstage, multi-document), opslevel.yml or cortex.yaml; ingested at once." />
      <form onSubmit={submit} className="flex flex-col gap-3 p-4" aria-label="Upload a descriptor">
        <Field label="Descriptor file" error={localError ?? fe.fileName ?? fe.content}>
          <input
            key={inputKey}
            type="file"
            accept=".yaml,.yml,.json,text/yaml,application/json"
            aria-label="Descriptor file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setLocalError(null);
              upload.reset();
            }}
            className="text-xs text-fg file:mr-2 file:h-7 file:rounded-md file:border file:border-border file:bg-card file:px-2.5 file:text-xs file:font-medium file:text-fg hover:file:bg-subtle"
          />
        </Field>
        {uploads.length ? (
          <Field label="Replace an earlier upload" error={fe.locationId}>
            <Select value={replace} onChange={(e) => setReplace(e.target.value)} aria-label="Replace an earlier upload">
              <option value="">No — a new location</option>
              {uploads.map((u) => <option key={u.id} value={u.id}>{u.target}</option>)}
            </Select>
          </Field>
        ) : null}
        <ErrorNote error={generalError} />
        <Button type="submit" variant="primary" disabled={!file || upload.isPending}>
          <Upload className="size-3.5" /> {upload.isPending ? "Uploading…" : "Upload and ingest"}
        </Button>
      </form>
      {result ? (
        <div className="border-t border-border p-4" data-testid="upload-result">
          <h3 className="mb-2 text-sm font-semibold">
            {result.target}: {result.summary.errors ? <span className="text-failing">{result.summary.errors} error{result.summary.errors > 1 ? "s" : ""}</span> : <span className="text-healthy">ingested</span>}
          </h3>
          <dl className="mb-3 grid grid-cols-4 gap-2 text-center text-xs">
            {(["entities", "added", "updated", "unchanged", "removed", "errors", "warnings", "files"] as const).map((k) => (
              <div key={k} className="flex flex-col-reverse rounded-md border border-border px-1 py-1.5">
                <dt className="text-muted">{k}</dt>
                <dd data-testid={`summary-${k}`} className={cn("text-base font-semibold tabular-nums", k === "errors" && result.summary.errors > 0 && "text-failing", k === "warnings" && result.summary.warnings > 0 && "text-degraded")}>{result.summary[k]}</dd>
              </div>
            ))}
          </dl>
          {result.summary.errors + result.summary.warnings > 0 ? <LocationErrors locationId={result.locationId} /> : null}
        </div>
      ) : null}
    </Card>
  );
}

function relative(d: Date): string {
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return d.toLocaleDateString();
}
