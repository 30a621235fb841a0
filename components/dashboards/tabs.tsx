import { SubNavTabs } from "@/components/ui/sub-nav";

const TABS = [
  { href: "/dashboards", label: "Overview" },
  { href: "/dashboards/dora", label: "DORA" },
  { href: "/dashboards/d", label: "Custom dashboards" },
] as const;

/** Sub-navigation shared by the dashboards pages. */
export function DashboardsTabs() {
  return <SubNavTabs label="Dashboards" tabs={TABS} />;
}
