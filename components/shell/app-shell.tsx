"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { LogOut } from "lucide-react";
import { cn } from "@/components/ui/cn";
import { Button } from "@/components/ui/button";
import { isWithin } from "@/components/ui/sub-nav";
import { NAV } from "./nav";
import { ThemeToggle } from "./theme-toggle";
import { CommandPalette } from "./command-palette";

export type ShellUser = { name: string; email: string; isGlobalAdmin: boolean; permissions: string[] };

export function AppShell({ user, demoMode, signOutAction, children }: { user: ShellUser; demoMode: boolean; signOutAction: () => Promise<void>; children: ReactNode }) {
  const pathname = usePathname();
  const nav = NAV.filter((n) => !("permission" in n) || user.permissions.includes(n.permission));
  return (
    <div className="flex min-h-screen flex-col">
      {demoMode ? (
        <div role="status" className="bg-degraded px-4 py-1 text-center text-xs font-medium text-white">
          Demo mode — embedded database and demo data. Set DATABASE_URL and OIDC_* to run for real.
        </div>
      ) : null}
      <div className="flex flex-1">
        <aside className="sticky top-0 flex h-screen w-14 shrink-0 flex-col border-r border-border bg-card min-[1000px]:w-52">
          <Link href="/" className="flex h-12 items-center gap-2 border-b border-border px-4 font-semibold tracking-tight">
            <span className="grid size-6 place-items-center rounded bg-accent text-xs text-accent-fg">O</span>
            <span className="hidden min-[1000px]:inline">Opsdeck</span>
          </Link>
          <nav aria-label="Main" className="flex flex-1 flex-col gap-0.5 p-2">
            {nav.map((n) => (
              <Link
                key={n.href}
                href={n.href}
                aria-current={isWithin(pathname, n.href) ? "page" : undefined}
                title={n.label}
                className={cn(
                  "flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm text-muted hover:bg-subtle hover:text-fg",
                  isWithin(pathname, n.href) && "bg-subtle font-medium text-fg",
                )}
              >
                <n.icon className="size-4 shrink-0" />
                <span className="hidden min-[1000px]:inline">{n.label}</span>
              </Link>
            ))}
          </nav>
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="sticky top-0 z-10 flex h-12 items-center justify-between gap-3 border-b border-border bg-card/90 px-4 backdrop-blur">
            <CommandPalette />
            <div className="flex items-center gap-1">
              <ThemeToggle />
              <Link href="/me" className="rounded-md px-2 py-1 text-sm hover:bg-subtle" data-testid="current-user">
                {user.name}
                {user.isGlobalAdmin ? <span className="ml-1.5 text-xs text-accent">admin</span> : null}
              </Link>
              <form action={signOutAction}>
                <Button variant="ghost" size="sm" type="submit" aria-label="Sign out" title="Sign out">
                  <LogOut className="size-4" />
                </Button>
              </form>
            </div>
          </header>
          <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 min-[1000px]:px-8">{children}</main>
        </div>
      </div>
    </div>
  );
}
