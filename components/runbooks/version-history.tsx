"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { ChevronDown, ChevronRight } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";
import { when } from "./format";

/** Every version of a definition (newest first); each can be compared with the one before it. */
export function VersionHistory({ name }: { name: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState<number | null>(null);
  const versions = useInfiniteQuery(trpc.runbooks.versions.infiniteQueryOptions({ name, limit: 20 }, { getNextPageParam: (p) => p.nextCursor ?? undefined }));
  const items = versions.data?.pages.flatMap((p) => p.items) ?? [];
  if (versions.isPending) return <Skeleton className="m-4 h-16" />;
  return (
    <div data-testid="version-history">
      <ErrorNote error={versions.error} />
      <ul className="divide-y divide-border">
        {items.map((v) => (
          <Fragment key={v.version}>
            <li className="flex flex-wrap items-center gap-x-3 gap-y-1 px-4 py-2 text-sm">
              <button
                type="button"
                className="flex items-center gap-1 font-mono text-xs text-accent disabled:text-muted"
                onClick={() => setOpen(open === v.version ? null : v.version)}
                disabled={v.version === 1}
                aria-expanded={open === v.version}
                title={v.version === 1 ? "The first version" : `Changes from v${v.version - 1}`}
              >
                {v.version > 1 ? open === v.version ? <ChevronDown className="size-3" /> : <ChevronRight className="size-3" /> : <span className="w-3" />}v{v.version}
              </button>
              <span className="min-w-0 flex-1 truncate">{v.message || <span className="text-muted">no message</span>}</span>
              {!v.valid ? <Badge tone="failing">invalid</Badge> : null}
              <span className="text-xs text-muted">{v.createdBy} · {when(v.createdAt)}</span>
            </li>
            {open === v.version ? (
              <li className="bg-subtle/40 px-4 py-2">
                <VersionDiff name={name} from={v.version - 1} to={v.version} />
              </li>
            ) : null}
          </Fragment>
        ))}
      </ul>
      {versions.hasNextPage ? (
        <div className="border-t border-border p-2 text-center">
          <Button size="sm" onClick={() => versions.fetchNextPage()} disabled={versions.isFetchingNextPage}>Older versions</Button>
        </div>
      ) : null}
    </div>
  );
}

export function VersionDiff({ name, from, to }: { name: string; from: number; to: number }) {
  const trpc = useTRPC();
  const diff = useQuery(trpc.runbooks.diff.queryOptions({ name, from, to }));
  if (diff.isPending) return <Skeleton className="h-24" />;
  if (diff.error) return <ErrorNote error={diff.error} />;
  const d = diff.data;
  return (
    <div data-testid="version-diff">
      <p className="mb-1.5 text-xs text-muted">
        v{from} → v{to}: <span className="text-healthy">+{d.added}</span> <span className="text-failing">−{d.removed}</span>
      </p>
      {d.hunks.length === 0 ? <p className="text-xs text-muted">No textual change.</p> : null}
      <div className="overflow-x-auto rounded border border-border bg-card font-mono text-xs leading-5">
        {d.hunks.map((h, i) => (
          <div key={i}>
            <div className="bg-subtle px-2 text-muted">@@ −{h.oldStart},{h.oldLines} +{h.newStart},{h.newLines} @@</div>
            {h.lines.map((l, j) => (
              <div
                key={j}
                className={cn(
                  "whitespace-pre px-2",
                  l.startsWith("+") && "bg-healthy/10 text-healthy",
                  l.startsWith("-") && "bg-failing/10 text-failing",
                )}
              >
                {l || " "}
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
