"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

const TABS = [
  { href: "/dashboards", label: "Overview" },
  { href: "/dashboards/dora", label: "DORA" },
  { href: "/dashboards/d", label: "Custom dashboards" },
] as const;

/** Sub-navigation shared by the dashboards pages. */
export function DashboardsTabs() {
  const pathname = usePathname();
  // "/dashboards/d" must not match "/dashboards/dora": a tab owns its path and what lies below it.
  const current = (href: string) => pathname === href || (href !== "/dashboards" && pathname.startsWith(`${href}/`));
  return (
    <nav aria-label="Dashboards" className="mb-4 flex gap-1 border-b border-border">
      {TABS.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={current(t.href) ? "page" : undefined}
          className={cn("-mb-px rounded-t-md border-b-2 border-transparent px-3 py-1.5 text-sm text-muted hover:text-fg", current(t.href) && "border-accent font-medium text-fg")}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
