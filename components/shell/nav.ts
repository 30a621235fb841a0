import { Activity, Cloud, BookOpen, Boxes, LayoutDashboard, Rocket, ScrollText, Shield } from "lucide-react";

/** Navigation entries; `permission` hides an entry from people who could not use it anyway. Catalog sub-pages
 *  (locations, scorecards) are tabs inside the catalog (components/catalog/catalog-tabs.tsx) and palette entries. */
export const NAV = [
  { href: "/", label: "Home", icon: LayoutDashboard },
  { href: "/catalog", label: "Catalog", icon: Boxes },
  { href: "/deploys", label: "Deploys", icon: Rocket },
  { href: "/runbooks", label: "Runbooks", icon: BookOpen },
  { href: "/dashboards", label: "Dashboards", icon: Activity },
  { href: "/cloud", label: "Cloud", icon: Cloud },
  { href: "/audit", label: "Audit", icon: ScrollText, permission: "audit.read" },
  { href: "/admin", label: "Admin", icon: Shield, permission: "admin.read" },
] as const;

/** Pages reachable from the ⌘K palette besides the main navigation. */
export const EXTRA_PAGES = [
  { href: "/catalog/locations", label: "Catalog locations", icon: Boxes },
  { href: "/catalog/scorecards", label: "Scorecards", icon: Boxes },
  { href: "/runbooks/runs", label: "Runbook run history", icon: BookOpen },
] as const;
