"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Check, ChevronRight, ExternalLink, FileCode2, X } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { CatalogTabs } from "./catalog-tabs";
import { EntityGraph } from "./entity-graph";
import { ApiDefinition } from "./api-definition";
import { LifecycleBadge, ScoreBadge, levelTone } from "./score-badge";
import { displayRef, entityHref, kindLabel, ownerLabel } from "./refs";
import { InlineCode } from "./inline-code";
import { HealthSection } from "@/components/metrics/health-section";
import { CiSection } from "@/components/ci/ci-section";
import { CloudResourcesSection } from "@/components/cloud/cloud-resources-section";
import { DeploysSection } from "@/components/deploys/deploys-section";
import { EntityRunbooks } from "@/components/runbooks/entity-runbooks";

type Page = RouterOutputs["catalog"]["entity"];
type Related = Page["relations"][number]["items"][number];

const RELATION_LABEL: Record<string, string> = {
  ownedBy: "Owned by",
  ownerOf: "Owns",
  partOf: "Part of",
  hasPart: "Has parts",
  dependsOn: "Depends on",
  dependencyOf: "Dependency of",
  providesApi: "Provides APIs",
  apiProvidedBy: "Provided by",
  consumesApi: "Consumes APIs",
  apiConsumedBy: "Consumed by",
  memberOf: "Member of",
  hasMember: "Members",
  childOf: "Child of",
  parentOf: "Parent of",
};
// The APIs card shows these; the relations card shows the rest.
const API_RELATIONS = new Set(["providesApi", "consumesApi", "apiProvidedBy", "apiConsumedBy"]);

export function EntityPage({ entityRef }: { entityRef: string }) {
  const trpc = useTRPC();
  // A missing entity is an answer, not a transient failure: show it at once instead of retrying.
  const page = useQuery(trpc.catalog.entity.queryOptions({ ref: entityRef }, { retry: (n, err) => n < 2 && err.data?.code !== "NOT_FOUND" }));
  if (page.error) {
    return (
      <>
        <CatalogTabs />
        {page.error.data?.code === "NOT_FOUND" ? (
          <EmptyState title="Not in the catalog">
            {displayRef(entityRef)} does not exist (any more). <Link href="/catalog" className="text-accent underline">Back to the catalog</Link>
          </EmptyState>
        ) : (
          <ErrorNote error={page.error} />
        )}
      </>
    );
  }
  if (page.isPending) return <EntitySkeleton />;
  const { entity: e, api, relations, apis, source, scorecard } = page.data;
  const hasApis = apis.provided.count + apis.consumed.count + apis.providers.count + apis.consumers.count > 0;
  const otherRelations = relations.filter((r) => !API_RELATIONS.has(r.type));
  const graphKinds = ["component", "api", "resource", "system"].includes(e.kind.toLowerCase());

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 flex items-center gap-1 text-xs text-muted">
        <Link href="/catalog" className="hover:text-fg hover:underline">Catalog</Link>
        <ChevronRight className="size-3" aria-hidden />
        <Link href={`/catalog?kind=${encodeURIComponent(e.kind)}`} className="hover:text-fg hover:underline">{kindLabel(e.kind)}</Link>
        <ChevronRight className="size-3" aria-hidden />
        <span className="text-fg">{e.name}</span>
      </nav>
      <div className="mb-5 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-xl font-semibold tracking-tight">{e.title ?? e.name}</h1>
          <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs">
            <Badge tone="accent">{kindLabel(e.kind)}</Badge>
            {e.type ? <Badge>{e.type}</Badge> : null}
            <LifecycleBadge lifecycle={e.lifecycle} />
            <span className="font-mono text-muted">{displayRef(e.ref)}</span>
          </div>
        </div>
        {scorecard ? (
          <a href="#scorecard" className="rounded-md">
            <ScoreBadge score={scorecard.score} level={scorecard.level} />
          </a>
        ) : null}
      </div>

      <div className="grid gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0">
          <Card className="h-full">
            <CardHeader title="Overview" />
            <div className="space-y-4 p-4">
              {e.description ? <p className="whitespace-pre-line text-sm">{e.description}</p> : <p className="text-sm text-muted">No description.</p>}
              {e.links.length ? (
                <Section title="Links">
                  <ul className="flex flex-wrap gap-2">
                    {e.links.map((l, i) => (
                      <li key={`${l.url}-${i}`}>
                        <a href={l.url} target="_blank" rel="noreferrer noopener" className="inline-flex items-center gap-1.5 rounded-md border border-border px-2 py-1 text-xs hover:border-accent hover:text-accent">
                          <ExternalLink className="size-3" aria-hidden />
                          {l.title ?? l.url}
                          {l.type ? <span className="text-muted">· {l.type}</span> : null}
                        </a>
                      </li>
                    ))}
                  </ul>
                </Section>
              ) : null}
              <KeyValues title="Annotations" values={e.annotations} />
              <KeyValues title="Labels" values={e.labels} />
            </div>
          </Card>
        </div>
        <div className="min-w-0">
          <Card className="h-full">
            <CardHeader title="About" />
            <dl className="grid grid-cols-[6rem_minmax(0,1fr)] gap-x-3 gap-y-2 px-4 py-3 text-sm">
              <dt className="text-xs text-muted">Owner</dt>
              <dd data-testid="entity-owner">
                {e.ownerTeam ? (
                  <Link href={`/teams/${e.ownerTeam.slug}`} className="text-accent hover:underline">{e.ownerTeam.name}</Link>
                ) : e.ownerRef ? (
                  <Link href={entityHref(e.ownerRef)} className="text-accent hover:underline">{ownerLabel(e.ownerRef)}</Link>
                ) : (
                  <span className="text-muted">none</span>
                )}
              </dd>
              {e.systemRef ? (
                <>
                  <dt className="text-xs text-muted">System</dt>
                  <dd><Link href={entityHref(e.systemRef)} className="text-accent hover:underline">{ownerLabel(e.systemRef).replace(/^system:/, "")}</Link></dd>
                </>
              ) : null}
              <dt className="text-xs text-muted">Lifecycle</dt>
              <dd><LifecycleBadge lifecycle={e.lifecycle} /></dd>
              <dt className="text-xs text-muted">Type</dt>
              <dd>{e.type ?? <span className="text-muted">—</span>}</dd>
              <dt className="text-xs text-muted">Tags</dt>
              <dd className="flex flex-wrap gap-1">
                {e.tags.length ? e.tags.map((t) => <Link key={t} href={`/catalog?tag=${encodeURIComponent(t)}`}><Badge className="hover:border-accent">{t}</Badge></Link>) : <span className="text-muted">—</span>}
              </dd>
              <dt className="text-xs text-muted">Updated</dt>
              <dd className="text-xs" title={e.updatedAt.toISOString()}>{e.updatedAt.toLocaleString()}</dd>
            </dl>
          </Card>
        </div>
      </div>

      {/* What runs where, live from Kubernetes, and the Deploy button (issue 4). */}
      {e.kind === "Component" ? <div className="mt-4"><DeploysSection entityRef={e.ref} /></div> : null}
      <EntityRunbooks entityRef={e.ref} />

      {/* Golden-signal charts (issue 5); the chart library is loaded lazily inside. */}
      {e.kind === "Component" ? <div className="mt-4"><HealthSection entityRef={e.ref} /></div> : null}
      {e.kind === "Component" ? <div className="mt-4"><CiSection entityRef={e.ref} /></div> : null}
      {e.kind === "Component" || e.kind === "Resource" ? <div className="mt-4"><CloudResourcesSection entityRef={e.ref} /></div> : null}

      {/* The graph gets the full width: five columns of nodes need it. */}
      {graphKinds ? <div className="mt-4"><EntityGraph entityRef={e.ref} /></div> : null}

      <div className="mt-4 grid items-start gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-4">
          {api ? (
            <Card>
              <CardHeader title="API definition" description={api.type ? `Type: ${api.type}` : undefined} />
              <div className="p-4"><ApiDefinition type={api.type} definition={api.definition} /></div>
            </Card>
          ) : null}

          {hasApis ? (
            <Card data-testid="entity-apis">
              <CardHeader title="APIs" description={e.kind === "API" ? "Who provides and who consumes this API" : "APIs this entity provides and consumes. Expand one to read its definition."} />
              <div className="grid gap-4 p-4 min-[800px]:grid-cols-2">
                {apis.provided.count ? <ApiList title="Provides" group={apis.provided} expandable /> : null}
                {apis.consumed.count ? <ApiList title="Consumes" group={apis.consumed} expandable /> : null}
                {apis.providers.count ? <ApiList title="Provided by" group={apis.providers} /> : null}
                {apis.consumers.count ? <ApiList title="Consumed by" group={apis.consumers} /> : null}
              </div>
            </Card>
          ) : null}

          <Card>
            <CardHeader title="Relations" />
            {otherRelations.length ? (
              <div className="grid gap-4 p-4 min-[800px]:grid-cols-2">
                {otherRelations.map((g) => (
                  <Section key={g.type} title={`${RELATION_LABEL[g.type] ?? g.type} (${g.count})`}>
                    <RelatedList items={g.items} more={g.count - g.items.length} />
                  </Section>
                ))}
              </div>
            ) : (
              <p className="px-4 py-4 text-sm text-muted">No other relations.</p>
            )}
          </Card>
        </div>

        <div className="min-w-0 space-y-4">
          <Scorecard scorecard={scorecard} />
          <Card>
            <CardHeader title="Source" />
            <dl className="grid grid-cols-[6rem_minmax(0,1fr)] gap-x-3 gap-y-2 px-4 py-3 text-sm" data-testid="entity-source">
              <dt className="text-xs text-muted">Location</dt>
              <dd className="min-w-0 break-all font-mono text-xs">
                {source.kind ? <Badge className="mr-1.5 font-sans">{source.kind}</Badge> : null}
                {source.id ? <Link href={`/catalog/locations#loc-${source.id}`} className="hover:underline">{source.target}</Link> : source.target ?? "—"}
              </dd>
              <dt className="text-xs text-muted">File</dt>
              <dd className="min-w-0 break-all font-mono text-xs">{source.file ? `${source.file}${source.line ? `:${source.line}` : ""}` : "—"}</dd>
              {source.status ? (
                <>
                  <dt className="text-xs text-muted">Status</dt>
                  <dd><Badge tone={source.status === "ok" ? "healthy" : source.status === "warning" ? "degraded" : source.status === "error" ? "failing" : "unknown"}>{source.status}</Badge></dd>
                </>
              ) : null}
              <dt className="text-xs text-muted">Refreshed</dt>
              <dd className="text-xs">{source.lastRefreshAt ? source.lastRefreshAt.toLocaleString() : "—"}</dd>
            </dl>
          </Card>

        </div>
      </div>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="min-w-0">
      <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-muted">{title}</h3>
      {children}
    </section>
  );
}

function KeyValues({ title, values }: { title: string; values: Record<string, string> }) {
  const entries = Object.entries(values);
  if (!entries.length) return null;
  return (
    <Section title={title}>
      <dl className="grid grid-cols-[minmax(0,auto)_minmax(0,1fr)] gap-x-4 gap-y-1 rounded-md border border-border bg-subtle/40 px-3 py-2 font-mono text-xs">
        {entries.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="break-all text-muted">{k}</dt>
            <dd className="break-all">{/^https?:\/\//.test(v) ? <a className="text-accent hover:underline" href={v} target="_blank" rel="noreferrer noopener">{v}</a> : v}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function RelatedList({ items, more }: { items: Related[]; more: number }) {
  return (
    <ul className="space-y-1 text-sm">
      {items.map((r) => (
        <li key={r.ref} className="flex min-w-0 items-center gap-2">
          <span className="w-20 shrink-0 text-xs text-muted">{kindLabel(r.kind)}</span>
          {r.missing ? (
            <span className="truncate text-muted" title="Referenced but not in the catalog">{displayRef(r.ref)} <span className="text-xs">(not in catalog)</span></span>
          ) : (
            <Link href={entityHref(r.ref)} className="truncate hover:text-accent hover:underline" title={r.ref}>{r.title ?? r.name}</Link>
          )}
        </li>
      ))}
      {more > 0 ? <li className="text-xs text-muted">and {more} more</li> : null}
    </ul>
  );
}

function ApiList({ title, group, expandable = false }: { title: string; group: Page["apis"]["provided"]; expandable?: boolean }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Section title={`${title} (${group.count})`}>
      <ul className="space-y-1">
        {group.items.map((a) => (
          <li key={a.ref} className="min-w-0">
            <div className="flex min-w-0 items-center gap-2 text-sm">
              {expandable && !a.missing ? (
                <button
                  type="button"
                  onClick={() => setOpen(open === a.ref ? null : a.ref)}
                  aria-expanded={open === a.ref}
                  aria-label={`${open === a.ref ? "Hide" : "Show"} the definition of ${a.title ?? a.name}`}
                  className="rounded p-0.5 text-muted hover:bg-subtle hover:text-fg"
                >
                  <ChevronRight className={cn("size-3.5 transition-transform", open === a.ref && "rotate-90")} />
                </button>
              ) : (
                <FileCode2 className="size-3.5 shrink-0 text-muted" aria-hidden />
              )}
              {a.missing ? (
                <span className="truncate text-muted">{displayRef(a.ref)} (not in catalog)</span>
              ) : (
                <Link href={entityHref(a.ref)} className="truncate hover:text-accent hover:underline">{a.title ?? a.name}</Link>
              )}
            </div>
            {open === a.ref ? <div className="mt-2 mb-3 ml-1 border-l-2 border-border pl-3"><LinkedDefinition apiRef={a.ref} /></div> : null}
          </li>
        ))}
        {group.count > group.items.length ? <li className="text-xs text-muted">and {group.count - group.items.length} more</li> : null}
      </ul>
    </Section>
  );
}

function LinkedDefinition({ apiRef }: { apiRef: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.catalog.entity.queryOptions({ ref: apiRef }));
  if (q.error) return <ErrorNote error={q.error} />;
  if (q.isPending) return <Skeleton className="h-20 w-full" />;
  return q.data.api ? <ApiDefinition type={q.data.api.type} definition={q.data.api.definition} /> : <p className="text-sm text-muted">Not an API entity.</p>;
}

function Scorecard({ scorecard }: { scorecard: Page["scorecard"] }) {
  if (!scorecard) {
    return (
      <Card id="scorecard" data-testid="scorecard">
        <CardHeader title="Scorecard" />
        <p className="px-4 py-3 text-sm text-muted">No scorecard rule applies to this kind of entity.</p>
      </Card>
    );
  }
  const rules = [...scorecard.rules].sort((a, b) => Number(a.passed) - Number(b.passed));
  return (
    <Card id="scorecard" data-testid="scorecard">
      <CardHeader
        title="Scorecard"
        description={`${scorecard.passed} of ${scorecard.total} rules pass`}
        actions={<ScoreBadge score={scorecard.score} level={scorecard.level} />}
      />
      <div className="px-4 pt-3">
        <div className="h-1.5 overflow-hidden rounded-full bg-subtle" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(scorecard.score)} aria-label="Score">
          <div className="h-full rounded-full bg-accent" style={{ width: `${Math.max(0, Math.min(100, scorecard.score))}%` }} />
        </div>
        <p className="mt-1 text-xs text-muted">Score {Math.round(scorecard.score)} / 100 · <Link href="/catalog/scorecards#rules" className="hover:underline">rules</Link></p>
      </div>
      <ul className="divide-y divide-border">
        {rules.map((r) => (
          <li key={r.id} className="px-4 py-2.5" data-rule={r.id} data-passed={r.passed}>
            <div className="flex items-start gap-2 text-sm">
              {r.passed ? (
                <Check className="mt-0.5 size-4 shrink-0 text-healthy" aria-label="passed" />
              ) : (
                <X className="mt-0.5 size-4 shrink-0 text-failing" aria-label="failed" />
              )}
              <span className="min-w-0 flex-1">{r.title}</span>
              <Badge tone={levelTone(r.level)}>{r.level}</Badge>
            </div>
            {!r.passed && r.fix ? (
              <p className="mt-1 pl-6 text-xs text-muted"><span className="font-medium text-fg">How to fix: </span><InlineCode text={r.fix} /></p>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function EntitySkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading">
      <Skeleton className="mb-2 h-3 w-48" />
      <Skeleton className="mb-2 h-7 w-72" />
      <Skeleton className="mb-5 h-4 w-96 max-w-full" />
      <div className="grid gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-4">
          <Skeleton className="h-40 w-full" />
          <Skeleton className="h-64 w-full" />
        </div>
        <div className="space-y-4">
          <Skeleton className="h-48 w-full" />
          <Skeleton className="h-64 w-full" />
        </div>
      </div>
    </div>
  );
}
