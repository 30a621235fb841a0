import Link from "next/link";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { RoleBadge } from "@/components/ui/role-badge";
import { Badge } from "@/components/ui/badge";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import type { RouterOutputs } from "@/lib/trpc";

export function Profile({ me }: { me: RouterOutputs["me"]["whoami"] }) {
  return (
    <>
      <PageHeader title={me.name} description={me.email} actions={me.isGlobalAdmin ? <Badge tone="failing">global admin</Badge> : null} />
      <div className="grid gap-4 min-[1000px]:grid-cols-2">
        <Card>
          <CardHeader title="Teams and roles" description="Roles rank viewer < engineer < oncall < admin, per team." />
          {me.teams.length ? (
            <Table>
              <thead><tr><Th>Team</Th><Th>Role</Th></tr></thead>
              <tbody>
                {me.teams.map((t) => (
                  <Tr key={t.teamId}>
                    <Td><Link href={`/teams/${t.slug}`} className="hover:underline">{t.name}</Link></Td>
                    <Td><RoleBadge role={t.role} /></Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          ) : (
            <p className="px-4 py-6 text-sm text-muted">No team memberships.</p>
          )}
        </Card>
        <Card>
          <CardHeader title="What you can do" description="From the permission table; team-scoped ones apply to your teams." />
          <ul className="flex flex-wrap gap-1.5 p-4" data-testid="permissions">
            {me.permissions.map((p) => <li key={p}><Badge>{p}</Badge></li>)}
          </ul>
        </Card>
      </div>
    </>
  );
}
