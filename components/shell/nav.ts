import { Activity, BookOpen, Boxes, LayoutDashboard, Rocket, ScrollText, Shield } from "lucide-react";

/** Navigation entries; `permission` hides an entry from people who could not use it anyway. */
export const NAV = [
  { href: "/", label: "Home", icon: LayoutDashboard },
  { href: "/catalog", label: "Catalog", icon: Boxes },
  { href: "/deploys", label: "Deploys", icon: Rocket },
  { href: "/runbooks", label: "Runbooks", icon: BookOpen },
  { href: "/dashboards", label: "Dashboards", icon: Activity },
  { href: "/audit", label: "Audit", icon: ScrollText, permission: "audit.read" },
  { href: "/admin", label: "Admin", icon: Shield, permission: "admin.read" },
] as const;
