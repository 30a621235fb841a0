import type { Db, Tx } from "@/server/db/client";
import type { Role } from "@/generated/prisma/enums";
import { refString } from "@/server/catalog/refs";
import { seedDemoDeployHistory } from "./deploy-history";

// Demo data for the zero-setup mode (and for tests that want a populated database).
//
// Seeding runs on every demo start, so it only ever CREATES what is missing and never overwrites: what people change
// in the demo (a role, a description) survives restarts. Memberships are seeded together with their user, so removing
// someone from a team in the demo is not undone by the next start either. It writes through Prisma directly: it is
// not a user action, so it writes no audit events.

export type SeedTeam = { slug: string; name: string; description: string };
export type SeedUser = { email: string; name: string; isGlobalAdmin?: boolean; memberships: { team: string; role: Role }[] };
export type SeedComponent = {
  name: string;
  title: string;
  description: string;
  type: "service" | "website" | "library";
  lifecycle: "production" | "experimental";
  owner: string;
  system: string;
  tags: string[];
};

export const demoTeams: SeedTeam[] = [
  { slug: "platform", name: "Platform", description: "Shared infrastructure: the API gateway, identity, observability and the paved road every team deploys on." },
  { slug: "payments", name: "Payments", description: "Moves the money: payment authorisation, the ledger and fraud scoring." },
  { slug: "checkout", name: "Checkout", description: "Cart, checkout flow and the storefront web app customers see." },
  { slug: "data", name: "Data", description: "Event pipelines, the warehouse and the metrics everyone else reads." },
];

export const demoUsers: SeedUser[] = [
  { email: "alice@demo.opsdeck.dev", name: "Alice Admin", isGlobalAdmin: true, memberships: [{ team: "platform", role: "admin" }] },
  { email: "bob@demo.opsdeck.dev", name: "Bob Engineer", memberships: [{ team: "payments", role: "engineer" }] },
  {
    email: "carol@demo.opsdeck.dev",
    name: "Carol On-call",
    memberships: [
      { team: "checkout", role: "oncall" },
      { team: "payments", role: "viewer" },
    ],
  },
  { email: "dave@demo.opsdeck.dev", name: "Dave Viewer", memberships: [{ team: "payments", role: "viewer" }] },
  {
    email: "erin@demo.opsdeck.dev",
    name: "Erin Manager",
    memberships: [
      { team: "platform", role: "viewer" },
      { team: "payments", role: "viewer" },
      { team: "checkout", role: "viewer" },
    ],
  },
];

export const demoComponents: SeedComponent[] = [
  { name: "payments-api", title: "Payments API", description: "Public API for authorising, capturing and refunding card payments.", type: "service", lifecycle: "production", owner: "payments", system: "payments", tags: ["go", "grpc", "pci"] },
  { name: "ledger", title: "Ledger", description: "Double-entry ledger: the source of truth for every balance movement.", type: "service", lifecycle: "production", owner: "payments", system: "payments", tags: ["java", "postgres", "pci"] },
  { name: "fraud-scoring", title: "Fraud scoring", description: "Scores each payment attempt for fraud risk before authorisation.", type: "service", lifecycle: "experimental", owner: "payments", system: "payments", tags: ["python", "ml"] },
  { name: "checkout-web", title: "Checkout web", description: "The storefront checkout flow customers use in the browser.", type: "website", lifecycle: "production", owner: "checkout", system: "storefront", tags: ["typescript", "nextjs", "frontend"] },
  { name: "cart-service", title: "Cart service", description: "Keeps shopping carts, prices them and hands them to checkout.", type: "service", lifecycle: "production", owner: "checkout", system: "storefront", tags: ["typescript", "redis"] },
  { name: "ui-kit", title: "UI kit", description: "Shared React components and design tokens for customer-facing web apps.", type: "library", lifecycle: "production", owner: "checkout", system: "storefront", tags: ["typescript", "react", "frontend"] },
  { name: "platform-gateway", title: "Platform gateway", description: "Edge API gateway: routing, rate limits and TLS for every public service.", type: "service", lifecycle: "production", owner: "platform", system: "edge", tags: ["envoy", "edge"] },
  { name: "auth-service", title: "Auth service", description: "Issues and verifies tokens for service-to-service and user sessions.", type: "service", lifecycle: "production", owner: "platform", system: "identity", tags: ["go", "security"] },
  { name: "service-template", title: "Service template", description: "Golden-path library every new service starts from: logging, metrics, health checks.", type: "library", lifecycle: "experimental", owner: "platform", system: "paved-road", tags: ["typescript", "template"] },
  { name: "metrics-pipeline", title: "Metrics pipeline", description: "Collects service metrics and business events into the warehouse.", type: "service", lifecycle: "production", owner: "data", system: "analytics", tags: ["kafka", "flink"] },
  { name: "events-warehouse", title: "Events warehouse", description: "Query layer over the event warehouse used by dashboards and reports.", type: "service", lifecycle: "experimental", owner: "data", system: "analytics", tags: ["sql", "clickhouse"] },
];

export type SeedSummary = { teams: number; users: number; memberships: number; entities: number };

/**
 * Creates whatever part of the demo data is missing, in one transaction (a crash never leaves a user without the
 * memberships seeded with it). Returns how many rows it created: all zero on a re-run.
 */
export async function seedDemo(db: Db): Promise<SeedSummary> {
  return db.$transaction((tx) => seedInto(tx), { timeout: 60_000 });
}

async function seedInto(db: Tx): Promise<SeedSummary> {
  const teams = await db.team.createMany({
    data: demoTeams.map((t) => ({ slug: t.slug, name: t.name, description: t.description })),
    skipDuplicates: true,
  });
  const teamIds = new Map(
    (await db.team.findMany({ where: { slug: { in: demoTeams.map((t) => t.slug) } }, select: { id: true, slug: true } })).map((t) => [t.slug, t.id]),
  );

  const createdUsers = await db.user.createManyAndReturn({
    data: demoUsers.map((u) => ({ email: u.email, name: u.name, isGlobalAdmin: u.isGlobalAdmin ?? false })),
    skipDuplicates: true,
    select: { id: true, email: true },
  });
  const memberships = await db.membership.createMany({
    data: createdUsers.flatMap((created) =>
      (demoUsers.find((u) => u.email === created.email)?.memberships ?? []).flatMap((m) => {
        const teamId = teamIds.get(m.team);
        return teamId ? [{ userId: created.id, teamId, role: m.role, source: "seed" as const }] : [];
      }),
    ),
    skipDuplicates: true,
  });

  const entities = await db.entity.createMany({
    data: demoComponents.map((c) => ({
      kind: "Component",
      namespace: "default",
      name: c.name,
      ref: refString({ kind: "Component", namespace: "default", name: c.name }),
      ownerRef: refString({ kind: "Group", namespace: "default", name: c.owner }),
      systemRef: refString({ kind: "System", namespace: "default", name: c.system }),
      title: c.title,
      description: c.description,
      type: c.type,
      lifecycle: c.lifecycle,
      ownerTeamId: teamIds.get(c.owner) ?? null,
      tags: c.tags,
      spec: { type: c.type, lifecycle: c.lifecycle, owner: c.owner, system: c.system },
      source: "seed",
    })),
    skipDuplicates: true,
  });

  await seedDemoDeployHistory(db); // DORA/deploy-marker history, once (server/demo/deploy-history.ts)
  return { teams: teams.count, users: createdUsers.length, memberships: memberships.count, entities: entities.count };
}
