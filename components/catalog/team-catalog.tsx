"use client";
import Link from "next/link";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Boxes } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNote, Skeleton, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { LifecycleBadge, ScoreBadge, levelTone } from "./score-badge";
import { entityHref, kindLabel } from "./refs";

/** A team's catalog side: the entities it owns (keyset-paginated) and its scorecard summary. */
export function TeamCatalog({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const summary = useQuery(trpc.catalog.team.queryOptions({ slug }));
  const ownerRef = summary.data?.ownerRef ?? `group:default/${slug}`;
  const owned = useInfiniteQuery(
    trpc.catalog.list.infiniteQueryOptions({ filters: { owner: [ownerRef] }, sort: "name", limit: 25 }, { getNextPageParam: (l) => l.nextCursor ?? undefined }),
  );
  const items = owned.data?.pages.flatMap((p) => p.items) ?? [];
  const s = summary.data;
  return (
    <div className="mt-4 grid items-start gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_20rem]">
      <Card data-testid="owned-entities">
        <CardHeader
          title="Owned entities"
          description={s ? `${s.owned.total} in the catalog${s.owned.byKind.length ? `: ${s.owned.byKind.map((k) => `${k.count} ${kindLabel(k.kind)}`).join(", ")}` : ""}` : undefined}
          actions={
            <div className="flex gap-3 text-xs">
              {s?.group ? <Link href={entityHref(s.group.ref)} className="text-accent hover:underline">Group entity</Link> : null}
              <Link href={`/catalog?owner=${encodeURIComponent(ownerRef)}`} className="text-accent hover:underline">Open in catalog</Link>
            </div>
          }
        />
        <ErrorNote error={owned.error} />
        {owned.isPending ? (
          <TableSkeleton rows={4} />
        ) : items.length === 0 ? (
          <div className="p-4">
            <EmptyState icon={<Boxes className="size-6" />} title="This team owns nothing in the catalog">
              Entities whose <code className="font-mono">spec.owner</code> is <code className="font-mono">{ownerRef.replace(/^group:default\//, "")}</code> appear here.
            </EmptyState>
          </div>
        ) : (
          <Table>
            <thead><tr><Th>Name</Th><Th className="max-[900px]:hidden">Kind</Th><Th>Lifecycle</Th><Th>Score</Th></tr></thead>
            <tbody>
              {items.map((e) => (
                <Tr key={e.id}>
                  <Td>
                    <Link href={entityHref(e.ref)} className="font-medium hover:text-accent hover:underline">{e.title ?? e.name}</Link>
                    {e.description ? <p className="line-clamp-1 text-xs text-muted">{e.description}</p> : null}
                  </Td>
                  <Td className="text-xs max-[900px]:hidden">{kindLabel(e.kind)}{e.type ? <span className="text-muted"> · {e.type}</span> : null}</Td>
                  <Td><LifecycleBadge lifecycle={e.lifecycle} /></Td>
                  <Td><ScoreBadge score={e.score?.score} level={e.score?.level} /></Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
        {owned.hasNextPage ? (
          <div className="border-t border-border p-2 text-right">
            <Button size="sm" onClick={() => owned.fetchNextPage()} disabled={owned.isFetchingNextPage}>Load more</Button>
          </div>
        ) : null}
      </Card>
      <Card data-testid="team-scorecard">
        <CardHeader title="Scorecard summary" description={<Link href="/catalog/scorecards" className="hover:underline">Org overview</Link>} />
        {summary.error ? (
          <div className="p-4"><ErrorNote error={summary.error} /></div>
        ) : !s ? (
          <div className="space-y-2 p-4"><Skeleton className="h-8 w-24" /><Skeleton className="h-5 w-full" /></div>
        ) : s.scorecard.scored === 0 ? (
          <p className="px-4 py-3 text-sm text-muted">No scored entities yet.</p>
        ) : (
          <div className="space-y-3 p-4">
            <div>
              <div className="text-2xl font-semibold tabular-nums">{s.scorecard.average === null ? "—" : s.scorecard.average.toFixed(1)}</div>
              <div className="text-xs text-muted">average score over {s.scorecard.scored} scored entities</div>
            </div>
            <LevelBar levels={s.scorecard.levels} total={s.scorecard.scored} />
            <ul className="grid grid-cols-2 gap-1.5 text-xs">
              {(["gold", "silver", "bronze", "none"] as const).map((l) => (
                <li key={l} className="flex items-center justify-between gap-2 rounded border border-border px-2 py-1">
                  <Badge tone={levelTone(l)}>{l}</Badge>
                  <span className="tabular-nums">{s.scorecard.levels[l]}</span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </Card>
    </div>
  );
}

const barColor = { gold: "bg-healthy", silver: "bg-accent", bronze: "bg-degraded", none: "bg-unknown/50" } as const;

function LevelBar({ levels, total }: { levels: Record<"gold" | "silver" | "bronze" | "none", number>; total: number }) {
  return (
    <div className="flex h-2 overflow-hidden rounded-full bg-subtle" aria-hidden>
      {(["gold", "silver", "bronze", "none"] as const).map((l) => (levels[l] ? <div key={l} className={barColor[l]} style={{ width: `${(levels[l] / total) * 100}%` }} /> : null))}
    </div>
  );
}
