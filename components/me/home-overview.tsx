import Link from "next/link";
import { Activity, BookOpen, Boxes, Rocket } from "lucide-react";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/states";
import { RoleBadge } from "@/components/ui/role-badge";
import { Badge } from "@/components/ui/badge";
import type { RouterOutputs } from "@/lib/trpc";

type Me = RouterOutputs["me"]["whoami"];
type Service = RouterOutputs["catalog"]["services"][number];

const AREAS = [
  { href: "/catalog", icon: Boxes, title: "Catalog", text: "Every service, who owns it, what it depends on." },
  { href: "/deploys", icon: Rocket, title: "Deploys", text: "Roll out, approve, watch and roll back." },
  { href: "/runbooks", icon: BookOpen, title: "Runbooks", text: "Safe, audited operational procedures." },
  { href: "/dashboards", icon: Activity, title: "Dashboards", text: "Golden signals, SLOs and DORA metrics." },
];

export function HomeOverview({ me, services }: { me: Me; services: Service[] }) {
  return (
    <>
      <PageHeader title={`Hello, ${me.name.split(" ")[0]}`} description="Your teams, the services they own, and where to go next." />
      <div className="grid gap-4 min-[1000px]:grid-cols-3">
        <Card className="min-[1000px]:col-span-1">
          <CardHeader title="Your teams" description={me.isGlobalAdmin ? "You are a global admin." : undefined} />
          {me.teams.length ? (
            <ul className="divide-y divide-border">
              {me.teams.map((t) => (
                <li key={t.teamId} className="flex items-center justify-between px-4 py-2.5">
                  <Link href={`/teams/${t.slug}`} className="text-sm font-medium hover:underline">{t.name}</Link>
                  <RoleBadge role={t.role} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="px-4 py-6 text-sm text-muted">You are not in any team yet. An admin can add you, or your identity provider&apos;s groups will.</p>
          )}
        </Card>
        <Card className="min-[1000px]:col-span-2">
          <CardHeader title="Your services" description="Owned by your teams" />
          {services.length ? (
            <ul className="divide-y divide-border">
              {services.map((s) => (
                <li key={s.id} className="flex items-center justify-between gap-3 px-4 py-2.5">
                  <div className="min-w-0">
                    <Link href={`/catalog?service=${s.name}`} className="text-sm font-medium hover:underline">{s.title ?? s.name}</Link>
                    <p className="truncate text-xs text-muted">{s.description}</p>
                  </div>
                  <div className="flex shrink-0 gap-1.5">
                    {s.lifecycle ? <Badge>{s.lifecycle}</Badge> : null}
                    <Badge tone="accent">{s.ownerTeam?.slug}</Badge>
                  </div>
                </li>
              ))}
            </ul>
          ) : (
            <div className="p-4"><EmptyState title="No services yet" icon={<Boxes className="size-6" />}>Services owned by your teams will appear here.</EmptyState></div>
          )}
        </Card>
      </div>
      <div className="mt-4 grid gap-3 min-[700px]:grid-cols-2 min-[1200px]:grid-cols-4">
        {AREAS.map((a) => (
          <Link key={a.href} href={a.href} className="rounded-lg border border-border bg-card p-4 hover:border-accent">
            <a.icon className="mb-2 size-5 text-accent" />
            <div className="text-sm font-semibold">{a.title}</div>
            <p className="text-xs text-muted">{a.text}</p>
          </Link>
        ))}
      </div>
    </>
  );
}
