import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { RunHistory } from "@/components/runbooks/run-history";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Run history" };

export default async function RunHistoryPage() {
  const me = await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <RunHistory myEmail={me.email} />
    </Suspense>
  );
}
