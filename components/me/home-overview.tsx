import Link from "next/link";
import { Activity, BookOpen, Boxes, Rocket } from "lucide-react";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/states";
import { RoleBadge } from "@/components/ui/role-badge";
import { Badge } from "@/components/ui/badge";
import type { RouterOutputs } from "@/lib/trpc";
import { entityHref } from "@/components/catalog/refs";
import { ScoreBadge } from "@/components/catalog/score-badge";

type Me = RouterOutputs["me"]["whoami"];
type Service = RouterOutputs["catalog"]["myServices"]["items"][number];

const AREAS = [
  { href: "/catalog", icon: Boxes, title: "Catalog", text: "Every service, who owns it, what it depends on." },
  { href: "/deploys", icon: Rocket, title: "Deploys", text: "Roll out, approve, watch and roll back." },
  { href: "/runbooks", icon: BookOpen, title: "Runbooks", text: "Safe, audited operational procedures." },
  { href: "/dashboards", icon: Activity, title: "Dashboards", text: "Golden signals, SLOs and DORA metrics." },
];

export function HomeOverview({ me, services, more }: { me: Me; services: Service[]; more: boolean }) {
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
          <CardHeader
            title="Your services"
            description="Components owned by your teams"
            actions={
              me.teams.length ? (
                <Link href={`/catalog?kind=Component&${me.teams.map((t) => `owner=${encodeURIComponent(`group:default/${t.slug}`)}`).join("&")}`} className="text-xs text-accent hover:underline">
                  {more ? "See all" : "Open in catalog"}
                </Link>
              ) : null
            }
          />
          {services.length ? (
            <ul className="divide-y divide-border" data-testid="my-services">
              {services.map((s) => (
                <li key={s.id} className="flex items-center justify-between gap-3 px-4 py-2.5">
                  <div className="min-w-0">
                    <Link href={entityHref(s.ref)} className="text-sm font-medium hover:underline">{s.title ?? s.name}</Link>
                    <p className="truncate text-xs text-muted">{s.description}</p>
                  </div>
                  <div className="flex shrink-0 items-center gap-1.5">
                    {s.lifecycle ? <Badge>{s.lifecycle}</Badge> : null}
                    {s.ownerTeam ? <Badge tone="accent">{s.ownerTeam.slug}</Badge> : null}
                    {s.score ? <ScoreBadge score={s.score.score} level={s.score.level} compact /> : null}
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
