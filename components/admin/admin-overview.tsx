"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { ErrorNote, TableSkeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { RoleBadge } from "@/components/ui/role-badge";
import { fieldErrors } from "@/components/ui/field-errors";

export function AdminOverview({ canCreateTeam }: { canCreateTeam: boolean }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.admin.users.queryOptions());
  const teams = useQuery(trpc.admin.teams.queryOptions());
  const [q, setQ] = useState("");
  const shown = (users.data ?? []).filter((u) => !q || `${u.email} ${u.name}`.toLowerCase().includes(q.toLowerCase()));

  return (
    <>
      <PageHeader title="Admin" description="People, teams and who may do what. Membership changes are audited." />
      <div className="grid items-start gap-4 min-[1100px]:grid-cols-[1fr_22rem]">
        <Card>
          <CardHeader title="Users" description={users.data ? `${users.data.length} people` : undefined} actions={<Input placeholder="Filter…" value={q} onChange={(e) => setQ(e.target.value)} className="w-44" aria-label="Filter users" />} />
          <ErrorNote error={users.error} />
          {users.isPending ? <TableSkeleton /> : (
            <Table>
              <thead><tr><Th>Person</Th><Th>Teams</Th><Th>Last sign-in</Th></tr></thead>
              <tbody>
                {shown.map((u) => (
                  <Tr key={u.id}>
                    <Td>
                      <div className="font-medium">{u.name} {u.isGlobalAdmin ? <Badge tone="failing">global admin</Badge> : null}</div>
                      <div className="text-xs text-muted">{u.email}</div>
                    </Td>
                    <Td>
                      <div className="flex flex-wrap gap-1">
                        {u.teams.map((t) => <span key={t.slug} className="inline-flex items-center gap-1 text-xs"><Link href={`/teams/${t.slug}`} className="hover:underline">{t.slug}</Link><RoleBadge role={t.role} /></span>)}
                        {u.teams.length === 0 ? <span className="text-xs text-muted">none</span> : null}
                      </div>
                    </Td>
                    <Td className="text-xs text-muted">{u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleString() : "never"}</Td>
                  </Tr>
                ))}
              </tbody>
            </Table>
          )}
        </Card>
        <div className="flex flex-col gap-4">
          <Card>
            <CardHeader title="Teams" />
            {teams.isPending ? <TableSkeleton rows={4} /> : (
              <ul className="divide-y divide-border">
                {teams.data?.length === 0 ? <li className="px-4 py-4 text-sm text-muted">No teams yet.</li> : null}
                {teams.data?.map((t) => (
                  <li key={t.id} className="flex items-center justify-between px-4 py-2.5">
                    <Link href={`/teams/${t.slug}`} className="text-sm font-medium hover:underline">{t.name}</Link>
                    <span className="text-xs text-muted">{t.members} members · {t.entities} services</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          {canCreateTeam ? <CreateTeam /> : null}
        </div>
      </div>
    </>
  );
}

function CreateTeam() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [form, setForm] = useState({ slug: "", name: "", description: "" });
  const create = useMutation(
    trpc.admin.createTeam.mutationOptions({
      onSuccess: () => {
        toast.success(`Team ${form.slug} created`);
        setForm({ slug: "", name: "", description: "" });
        void qc.invalidateQueries({ queryKey: trpc.admin.teams.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(form);
  };
  return (
    <Card>
      <CardHeader title="New team" />
      <form onSubmit={submit} className="flex flex-col gap-3 p-4">
        <Field label="Slug" error={errors.slug}><Input value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} placeholder="payments" aria-invalid={Boolean(errors.slug)} /></Field>
        <Field label="Name" error={errors.name}><Input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="Payments" aria-invalid={Boolean(errors.name)} /></Field>
        <Field label="Description" error={errors.description}><Input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} /></Field>
        {create.error && !Object.keys(errors).length ? <ErrorNote error={create.error} /> : null}
        <Button type="submit" variant="primary" disabled={create.isPending}>Create team</Button>
      </form>
    </Card>
  );
}
