import { SubNavTabs } from "@/components/ui/sub-nav";

const TABS = [
  { href: "/catalog", label: "Entities" },
  { href: "/catalog/locations", label: "Locations" },
  { href: "/catalog/scorecards", label: "Scorecards" },
] as const;

/** Sub-navigation shared by the catalog pages. */
export function CatalogTabs() {
  return <SubNavTabs label="Catalog" tabs={TABS} />;
}
