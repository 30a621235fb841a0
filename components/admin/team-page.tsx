"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { Users } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, Select } from "@/components/ui/input";
import { EmptyState, ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { RoleBadge } from "@/components/ui/role-badge";
import { ROLES, type RoleName } from "@/lib/roles";
import { TeamCatalog } from "@/components/catalog/team-catalog";


export function TeamPage({ slug, canManage, canListUsers }: { slug: string; canManage: boolean; canListUsers: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const team = useQuery(trpc.admin.team.queryOptions({ slug }));
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.admin.team.queryKey({ slug }) });
  const onError = (e: { message: string }) => toast.error(e.message);
  const setRole = useMutation(trpc.admin.setMembership.mutationOptions({ onSuccess: (_d, v) => { toast.success(`Role set to ${v.role}`); void refresh(); }, onError }));
  const remove = useMutation(trpc.admin.removeMembership.mutationOptions({ onSuccess: () => { toast.success("Member removed"); void refresh(); }, onError }));

  if (team.error) return <ErrorNote error={team.error} />;
  if (team.isPending) return <TableSkeleton />;
  const t = team.data;
  return (
    <>
      <PageHeader title={t.name} description={t.description || `Team ${t.slug}`} actions={<Badge>{t.members.length} members</Badge>} />
      <div className="grid gap-4 min-[1100px]:grid-cols-[1fr_20rem]">
        <Card>
          <CardHeader title="Members" description={canManage ? "You can change roles in this team." : "Only team admins can change membership."} />
          {t.members.length === 0 ? (
            <div className="p-4"><EmptyState icon={<Users className="size-6" />} title="No members yet" /></div>
          ) : (
            <Table data-testid="members-table">
              <thead><tr><Th>Person</Th><Th>Role</Th><Th>Source</Th>{canManage ? <Th className="text-right">Actions</Th> : null}</tr></thead>
              <tbody>
                {t.members.map((m) => (
                  <Tr key={m.userId} data-member={m.email}>
                    <Td><div className="font-medium">{m.name}</div><div className="text-xs text-muted">{m.email}</div></Td>
                    <Td>
                      {canManage ? (
                        <Select
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          disabled={setRole.isPending}
                          onChange={(e) => setRole.mutate({ teamId: t.id, userId: m.userId, role: e.target.value as RoleName })}
                        >
                          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                        </Select>
                      ) : <RoleBadge role={m.role} />}
                    </Td>
                    <Td className="text-xs text-muted" title={m.source === "oidc" ? "Granted by identity-provider groups; re-synced at each sign-in" : undefined}>{m.source}</Td>
                    {canManage ? (
                      <Td className="text-right">
                        <Button size="sm" variant="ghost" className="text-failing" disabled={remove.isPending}
                          onClick={() => { if (confirm(`Remove ${m.email} from ${t.slug}?`)) remove.mutate({ teamId: t.id, userId: m.userId }); }}>
                          Remove
                        </Button>
                      </Td>
                    ) : null}
                  </Tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
        {canManage && canListUsers ? <AddMember teamId={t.id} existing={new Set(t.members.map((m) => m.userId))} onAdded={refresh} /> : null}
      </div>
      <TeamCatalog slug={t.slug} />
    </>
  );
}

function AddMember({ teamId, existing, onAdded }: { teamId: string; existing: Set<string>; onAdded: () => void }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.admin.users.queryOptions());
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<RoleName>("viewer");
  const add = useMutation(trpc.admin.setMembership.mutationOptions({ onSuccess: () => { toast.success("Member added"); setUserId(""); onAdded(); }, onError: (e) => toast.error(e.message) }));
  const candidates = (users.data ?? []).filter((u) => !existing.has(u.id));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (userId) add.mutate({ teamId, userId, role });
  };
  return (
    <Card>
      <CardHeader title="Add a member" />
      <form onSubmit={submit} className="flex flex-col gap-3 p-4">
        <Field label="Person">
          <Select value={userId} onChange={(e) => setUserId(e.target.value)} aria-label="Person to add">
            <option value="">Choose…</option>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.name} ({u.email})</option>)}
          </Select>
        </Field>
        <Field label="Role">
          <Select value={role} onChange={(e) => setRole(e.target.value as RoleName)} aria-label="Role for new member">
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </Select>
        </Field>
        <Button type="submit" variant="primary" disabled={!userId || add.isPending}>Add to team</Button>
      </form>
    </Card>
  );
}
