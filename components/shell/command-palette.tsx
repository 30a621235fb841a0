"use client";
import { Command } from "cmdk";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Search } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { EXTRA_PAGES, NAV } from "./nav";
import { displayRef, entityHref, kindLabel, ownerLabel } from "@/components/catalog/refs";

/** ⌘K / Ctrl+K: jump to any page, catalog entity (ranked server-side search) or team. */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 150);
    return () => clearTimeout(t);
  }, [search]);
  const entities = useQuery({ ...trpc.catalog.suggest.queryOptions({ q, limit: 8 }), enabled: open && q.length > 0, placeholderData: keepPreviousData });
  const teams = useQuery({ ...trpc.admin.teams.queryOptions(), enabled: open });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const go = (href: string) => {
    setOpen(false);
    setSearch("");
    router.push(href);
  };
  const item = "flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 text-sm aria-selected:bg-subtle";

  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        className="flex h-8 w-full max-w-sm items-center gap-2 rounded-md border border-border bg-bg px-2.5 text-sm text-muted hover:border-accent"
      >
        <Search className="size-4" /> Jump to…
        <kbd className="ml-auto rounded border border-border px-1 text-[10px]">Ctrl K</kbd>
      </button>
      <Command.Dialog
        open={open}
        onOpenChange={setOpen}
        label="Jump to"
        className="fixed left-1/2 top-24 z-50 w-[min(560px,92vw)] -translate-x-1/2 overflow-hidden rounded-lg border border-border bg-card shadow-2xl"
        overlayClassName="fixed inset-0 z-40 bg-black/30"
      >
        <Command.Input value={search} onValueChange={setSearch} placeholder="Search pages, services, APIs, teams…" className="h-11 w-full border-b border-border bg-transparent px-3 text-sm outline-none" />
        <Command.List className="max-h-80 overflow-y-auto p-1.5">
          {q && entities.data?.length ? null : (
            <Command.Empty className="px-2 py-6 text-center text-sm text-muted">{q && entities.isFetching ? "Searching…" : "Nothing matches."}</Command.Empty>
          )}
          <Command.Group heading="Pages" className="text-xs text-muted">
            {[...NAV, ...EXTRA_PAGES].map((n) => (
              <Command.Item key={n.href} value={`page ${n.label}`} onSelect={() => go(n.href)} className={item}>
                <n.icon className="size-4" /> {n.label}
              </Command.Item>
            ))}
          </Command.Group>
          {q && entities.data?.length ? (
            // Ranked on the server: shown as they come (forceMount), not re-filtered by the palette.
            <Command.Group heading="Catalog" className="text-xs text-muted" forceMount>
              {entities.data.map((e) => (
                <Command.Item key={e.ref} value={`entity ${e.ref}`} forceMount onSelect={() => go(entityHref(e.ref))} className={item}>
                  <span className="w-16 shrink-0 text-[11px] text-muted">{kindLabel(e.kind)}</span>
                  <span className="truncate text-fg">{e.title ?? e.name}</span>
                  <span className="truncate font-mono text-[11px] text-muted">{displayRef(e.ref)}</span>
                  {e.ownerRef ? <span className="ml-auto shrink-0 text-xs text-muted">{ownerLabel(e.ownerRef)}</span> : null}
                </Command.Item>
              ))}
            </Command.Group>
          ) : null}
          {teams.data?.length ? (
            <Command.Group heading="Teams" className="text-xs text-muted">
              {teams.data.map((t) => (
                <Command.Item key={t.id} value={`team ${t.slug} ${t.name}`} onSelect={() => go(`/teams/${t.slug}`)} className={item}>
                  {t.name}
                </Command.Item>
              ))}
            </Command.Group>
          ) : null}
        </Command.List>
      </Command.Dialog>
    </>
  );
}
