"use client";
import Link from "next/link";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { Boxes, Filter, Search, X } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, Skeleton, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { CatalogTabs } from "./catalog-tabs";
import { FacetSidebar } from "./facet-sidebar";
import { LifecycleBadge, ScoreBadge } from "./score-badge";
import { displayRef, entityHref, kindLabel, ownerLabel } from "./refs";
import { activeCount, DIMENSION_LABEL, DIMENSIONS, toggleValue, viewFromParams, viewToParams, type CatalogView, type Filters, type Sort } from "./url-state";

type Item = RouterOutputs["catalog"]["list"]["items"][number];

const PAGE = 50;

/** The catalog: ranked search, facets with counts, keyset-paginated table. Everything lives in the URL. */
export function CatalogBrowser() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const view = useMemo(() => viewFromParams(new URLSearchParams(params.toString())), [params]);
  const [showFilters, setShowFilters] = useState(false);

  // The native history API updates useSearchParams without a server round trip (the data comes from tRPC anyway).
  // Filter and sort changes get a history entry (Back undoes them); typing in the search box replaces it.
  const navigate = (v: CatalogView, mode: "push" | "replace" = "push") => {
    const qs = viewToParams(v).toString();
    const url = qs ? `${pathname}?${qs}` : pathname;
    if (mode === "push") window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
  };
  const setFilters = (filters: Filters) => navigate({ ...view, filters });

  const input = { q: view.q || undefined, filters: view.filters, sort: view.sort };
  const list = useInfiniteQuery(
    trpc.catalog.list.infiniteQueryOptions({ ...input, limit: PAGE }, { getNextPageParam: (last) => last.nextCursor ?? undefined, placeholderData: keepPreviousData }),
  );
  const facets = useQuery(trpc.catalog.facets.queryOptions({ q: input.q, filters: view.filters, top: 30 }, { placeholderData: keepPreviousData }));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const nActive = activeCount(view.filters);
  const effectiveSort: Sort = view.sort ?? (view.q ? "relevance" : "name");

  return (
    <>
      <PageHeader title="Catalog" description="Every component, API, system and team, who owns it and how it scores." />
      <CatalogTabs />
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <SearchBox value={view.q} onChange={(q) => navigate({ ...view, q, sort: q ? view.sort : view.sort === "relevance" ? undefined : view.sort }, "replace")} />
        <label className="flex items-center gap-2 text-xs text-muted">
          Sort
          <Select
            aria-label="Sort by"
            value={effectiveSort}
            onChange={(e) => navigate({ ...view, sort: e.target.value as Sort })}
            className="w-40"
          >
            {view.q ? <option value="relevance">Best match</option> : null}
            <option value="name">Name</option>
            <option value="updated">Recently updated</option>
          </Select>
        </label>
        <Button className="min-[1100px]:hidden" aria-expanded={showFilters} aria-controls="catalog-facets" onClick={() => setShowFilters((s) => !s)}>
          <Filter className="size-3.5" /> Filters{nActive ? ` (${nActive})` : ""}
        </Button>
      </div>
      <div className="grid items-start gap-4 min-[1100px]:grid-cols-[15rem_minmax(0,1fr)]">
        <div id="catalog-facets" className={cn(showFilters ? "block" : "hidden", "min-[1100px]:block")}>
          <FacetSidebar
            facets={facets.data?.facets ?? null}
            loading={facets.isPending}
            selected={view.filters}
            onToggle={(d, v) => setFilters(toggleValue(view.filters, d, v))}
            onClear={nActive ? () => setFilters({}) : undefined}
          />
          <ErrorNote error={facets.error} />
        </div>
        <div className="min-w-0">
          <div className="mb-2 flex min-h-7 flex-wrap items-center gap-1.5 text-xs text-muted" aria-live="polite">
            {facets.data ? (
              <span data-testid="catalog-total">
                {facets.data.total.toLocaleString()} {facets.data.total === 1 ? "entity" : "entities"}
                {view.q ? <> matching “{view.q}”</> : null}
              </span>
            ) : (
              <Skeleton className="h-4 w-24" />
            )}
            {DIMENSIONS.flatMap((d) =>
              (view.filters[d] ?? []).map((v) => (
                <button
                  key={`${d}:${v}`}
                  type="button"
                  onClick={() => setFilters(toggleValue(view.filters, d, v))}
                  className="inline-flex items-center gap-1 rounded border border-accent/30 bg-accent/10 px-1.5 py-px text-xs text-accent hover:bg-accent/20"
                  aria-label={`Remove filter ${DIMENSION_LABEL[d]}: ${v}`}
                >
                  {DIMENSION_LABEL[d]}: {d === "owner" || d === "system" ? ownerLabel(v) : v} <X className="size-3" />
                </button>
              )),
            )}
          </div>
          <ErrorNote error={list.error} />
          <Card>
            {list.isPending ? (
              <TableSkeleton rows={10} />
            ) : items.length === 0 ? (
              <div className="p-4">
                <EmptyState icon={<Boxes className="size-6" />} title={view.q || nActive ? "Nothing matches" : "The catalog is empty"}>
                  {view.q || nActive ? (
                    <>
                      Try fewer filters or another search.{" "}
                      <button type="button" className="text-accent underline" onClick={() => navigate({ q: "", filters: {}, sort: undefined })}>
                        Clear everything
                      </button>
                    </>
                  ) : (
                    <>
                      Entities appear when descriptor locations are configured or a <Link className="text-accent underline" href="/catalog/locations">descriptor is uploaded</Link>.
                    </>
                  )}
                </EmptyState>
              </div>
            ) : (
              <EntityTable items={items} stale={list.isPlaceholderData} />
            )}
          </Card>
          <div className="mt-3 flex items-center justify-between text-xs text-muted">
            <span>{items.length ? `${items.length} shown` : null}</span>
            {list.hasNextPage ? (
              <Button size="sm" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? "Loading…" : `Load ${PAGE} more`}
              </Button>
            ) : items.length ? (
              <span>End of results</span>
            ) : null}
          </div>
        </div>
      </div>
    </>
  );
}

/** Debounced search box; "/" anywhere on the page focuses it. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [draft, setDraft] = useState(value);
  const ref = useRef<HTMLInputElement>(null);
  const last = useRef(value);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });
  // The URL changed from elsewhere (back button, a chip, "clear everything"): show it.
  useEffect(() => {
    if (value !== last.current) {
      last.current = value;
      setDraft(value);
    }
  }, [value]);
  useEffect(() => {
    if (draft.trim() === last.current) return;
    const t = setTimeout(() => {
      last.current = draft.trim();
      onChangeRef.current(draft.trim());
    }, 250);
    return () => clearTimeout(t);
  }, [draft]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.metaKey || e.ctrlKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      e.preventDefault();
      ref.current?.focus();
      ref.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <div className="relative w-full max-w-md flex-1">
      <Search className="pointer-events-none absolute left-2.5 top-2 size-4 text-muted" aria-hidden />
      <Input
        ref={ref}
        type="search"
        role="searchbox"
        aria-label="Search the catalog"
        placeholder="Search name, title, description, tags…"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            last.current = draft.trim();
            onChange(draft.trim());
          } else if (e.key === "Escape") {
            setDraft("");
          }
        }}
        className="w-full pl-8 pr-8"
      />
      <kbd className="pointer-events-none absolute right-2 top-1.5 rounded border border-border px-1.5 text-[11px] text-muted" aria-hidden>
        /
      </kbd>
    </div>
  );
}

function EntityTable({ items, stale }: { items: Item[]; stale: boolean }) {
  return (
    <Table data-testid="catalog-table" className={cn("table-fixed", stale && "opacity-60")}>
      <colgroup>
        <col />
        <col className="w-28 max-[900px]:hidden" />
        <col className="w-36" />
        <col className="w-28" />
        <col className="w-44 max-[1400px]:hidden" />
        <col className="w-32" />
      </colgroup>
      <thead>
        <tr>
          <Th>Name</Th>
          <Th className="max-[900px]:hidden">Kind</Th>
          <Th>Owner</Th>
          <Th>Lifecycle</Th>
          <Th className="max-[1400px]:hidden">Tags</Th>
          <Th>Score</Th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <Tr key={e.id} data-ref={e.ref}>
            <Td className="min-w-0">
              <Link href={entityHref(e.ref)} className="font-medium text-fg hover:text-accent hover:underline">
                {e.title ?? e.name}
              </Link>
              <div className="truncate font-mono text-[11px] text-muted" title={e.ref}>{displayRef(e.ref)}</div>
              {e.description ? <p className="line-clamp-1 text-xs text-muted" title={e.description}>{e.description}</p> : null}
            </Td>
            <Td className="max-[900px]:hidden">
              <div className="text-xs">{kindLabel(e.kind)}</div>
              {e.type ? <div className="text-xs text-muted">{e.type}</div> : null}
            </Td>
            <Td className="truncate text-xs">
              {e.ownerTeam ? (
                <Link href={`/teams/${e.ownerTeam.slug}`} className="hover:underline">{e.ownerTeam.name}</Link>
              ) : e.ownerRef ? (
                <Link href={entityHref(e.ownerRef)} className="hover:underline">{ownerLabel(e.ownerRef)}</Link>
              ) : (
                <span className="text-muted">unowned</span>
              )}
            </Td>
            <Td><LifecycleBadge lifecycle={e.lifecycle} /></Td>
            <Td className="max-[1400px]:hidden">
              <div className="flex flex-wrap gap-1">
                {e.tags.slice(0, 4).map((t) => <Badge key={t}>{t}</Badge>)}
                {e.tags.length > 4 ? <span className="text-xs text-muted">+{e.tags.length - 4}</span> : null}
              </div>
            </Td>
            <Td><ScoreBadge score={e.score?.score} level={e.score?.level} /></Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}

