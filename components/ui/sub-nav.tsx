"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "./cn";

/** True when `pathname` is `href` or lies below it ("/dashboards/d" owns "/dashboards/d/x" but not "/dashboards/dora";
 *  "/" owns only itself). Shared by the main navigation and the section tabs. */
export function isWithin(pathname: string, href: string): boolean {
  return pathname === href || (href !== "/" && pathname.startsWith(`${href}/`));
}

export type SubNavTab = { href: string; label: string };

/** Sub-navigation tabs of a section. The first tab is the section's root: it is current on any page of the section
 *  that no other tab owns (e.g. a catalog entity page under the "Entities" tab). */
export function SubNavTabs({ label, tabs }: { label: string; tabs: readonly SubNavTab[] }) {
  const pathname = usePathname();
  const owner = tabs.slice(1).find((t) => isWithin(pathname, t.href)) ?? tabs[0];
  return (
    <nav aria-label={label} className="mb-4 flex gap-1 border-b border-border">
      {tabs.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={t === owner ? "page" : undefined}
          className={cn(
            "-mb-px rounded-t-md border-b-2 border-transparent px-3 py-1.5 text-sm text-muted hover:text-fg",
            t === owner && "border-accent font-medium text-fg",
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
