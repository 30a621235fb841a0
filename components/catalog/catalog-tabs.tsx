"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

const TABS = [
  { href: "/catalog", label: "Entities" },
  { href: "/catalog/locations", label: "Locations" },
  { href: "/catalog/scorecards", label: "Scorecards" },
] as const;

/** Sub-navigation shared by the catalog pages. */
export function CatalogTabs() {
  const pathname = usePathname();
  const current = (href: string) =>
    href === "/catalog" ? !pathname.startsWith("/catalog/locations") && !pathname.startsWith("/catalog/scorecards") : pathname.startsWith(href);
  return (
    <nav aria-label="Catalog" className="mb-4 flex gap-1 border-b border-border">
      {TABS.map((t) => (
        <Link
          key={t.href}
          href={t.href}
          aria-current={current(t.href) ? "page" : undefined}
          className={cn(
            "-mb-px rounded-t-md border-b-2 border-transparent px-3 py-1.5 text-sm text-muted hover:text-fg",
            current(t.href) && "border-accent font-medium text-fg",
          )}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
