import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { RunbookList } from "@/components/runbooks/runbook-list";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Runbooks" };

export default async function RunbooksPage() {
  const me = await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <RunbookList canCreate={me.permissions.includes("runbooks.edit")} canReload={me.permissions.includes("runbooks.manage")} />
    </Suspense>
  );
}
