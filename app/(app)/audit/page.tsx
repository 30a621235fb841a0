import { Suspense } from "react";
import { requireMe } from "@/server/http/caller";
import { AuditLog } from "@/components/audit/audit-log";
import { TableSkeleton } from "@/components/ui/states";

export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  const me = await requireMe();
  return (
    <Suspense fallback={<TableSkeleton />}>
      <AuditLog canExport={me.permissions.includes("audit.export")} canVerify={me.permissions.includes("audit.verify")} />
    </Suspense>
  );
}
