import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { ScorecardsPage } from "@/components/catalog/scorecards-page";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Scorecards" };

export default async function CatalogScorecardsPage() {
  const me = await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <ScorecardsPage canEditRules={me.permissions.includes("catalog.scorecards.manage")} />
    </Suspense>
  );
}
