"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { AlertTriangle, ChevronRight, Clock, FileCode2, Globe, Hand, Lock, Pencil, ShieldAlert, SquareTerminal, Timer, Workflow } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Card, CardHeader } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorNote, Skeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { RunForm } from "./run-form";
import { Prose } from "./prose";
import { RunStateBadge } from "./run-state-badge";
import { VersionHistory } from "./version-history";
import { formatMs, when } from "./format";
import { isRequired, optionValues, type ParamDef } from "./param-schema";
import { displayRef, entityHref } from "@/components/catalog/refs";

type Page = RouterOutputs["runbooks"]["get"];
type Step = NonNullable<Page["definition"]>["steps"][number];

const STEP_ICON = { shell: SquareTerminal, script: FileCode2, http: Globe, kubernetes: Workflow, approval: Hand, wait: Timer } as const;

/** /runbooks/<name>: what the runbook does (description, parameters, steps), how to run it, what happened before. */
export function RunbookPage({ name }: { name: string }) {
  const trpc = useTRPC();
  const page = useQuery(trpc.runbooks.get.queryOptions({ name }, { retry: (n, err) => n < 2 && err.data?.code !== "NOT_FOUND" }));
  if (page.error?.data?.code === "NOT_FOUND") {
    return <EmptyState title="No such runbook">{name} does not exist. <Link href="/runbooks" className="text-accent underline">All runbooks</Link></EmptyState>;
  }
  if (page.error) return <ErrorNote error={page.error} />;
  if (page.isPending) return <PageSkeleton />;
  const { runbook: rb, version, definition: def, access, confirm, schedules } = page.data;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 flex items-center gap-1 text-xs text-muted">
        <Link href="/runbooks" className="hover:text-fg hover:underline">Runbooks</Link>
        <ChevronRight className="size-3" aria-hidden />
        <span className="text-fg">{rb.name}</span>
      </nav>
      <div className="mb-5 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-xl font-semibold tracking-tight">{rb.title}</h1>
          <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs">
            {rb.dangerous ? <Badge tone="degraded"><ShieldAlert className="size-3" aria-hidden /> dangerous</Badge> : null}
            {!rb.valid ? <Badge tone="failing"><AlertTriangle className="size-3" aria-hidden /> invalid definition</Badge> : null}
            {rb.archivedAt ? <Badge>archived</Badge> : null}
            <Badge>v{rb.currentVersion}</Badge>
            {rb.tags.map((t) => <Badge key={t}>{t}</Badge>)}
            <span className="text-muted">
              owned by {rb.owner.slug ? <Link href={`/teams/${rb.owner.slug}`} className="text-accent hover:underline">{rb.owner.name}</Link> : rb.owner.name}
              {rb.entityRef ? <> · for <Link href={entityHref(rb.entityRef)} className="text-accent hover:underline">{displayRef(rb.entityRef)}</Link></> : null}
            </span>
          </div>
        </div>
        <div className="flex items-center gap-2">
          <Link href={`/runbooks/runs?runbook=${encodeURIComponent(rb.name)}`} className="inline-flex h-8 items-center rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle">All runs</Link>
          {access.canEdit ? (
            <Link href={`/runbooks/${rb.name}/edit`} className="inline-flex h-8 items-center gap-1.5 rounded-md border border-border bg-card px-3 text-sm font-medium hover:bg-subtle">
              <Pencil className="size-3.5" /> Edit
            </Link>
          ) : null}
        </div>
      </div>

      <div className="grid gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-4">
          {version.problems.length ? <Problems problems={version.problems} /> : null}
          <Card>
            <CardHeader title="What it does" description={access.editHint ?? (rb.source === "ui" ? "Written in Opsdeck" : undefined)} />
            <div className="space-y-3 p-4 text-sm">
              {rb.description ? <Prose text={rb.description} /> : <p className="text-muted">No description.</p>}
              {def ? (
                <p className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted">
                  <span className="flex items-center gap-1"><Clock className="size-3" aria-hidden /> run timeout {def.timeout}</span>
                  <span>{rb.concurrency === 0 ? "any number of runs at once" : `${rb.concurrency} run${rb.concurrency > 1 ? "s" : ""} at a time`}</span>
                  <span className="flex items-center gap-1"><Lock className="size-3" aria-hidden /> run: {(def.permissions.run ?? [`${rb.owner.slug}:engineer`]).join(", ")}</span>
                  {def.permissions.runWithApproval.length ? <span>with approval: {def.permissions.runWithApproval.join(", ")}</span> : null}
                  {def.permissions.requireApproval ? <span>every run needs approval</span> : null}
                </p>
              ) : null}
            </div>
          </Card>
          {def ? <Steps steps={def.steps} /> : null}
          {def && def.params.length ? <Params params={def.params} /> : null}
          {schedules.length ? <Schedules schedules={schedules} /> : null}
          <RecentRuns name={rb.name} />
          <Card>
            <CardHeader title="Versions" description="Every change is kept. Open a version to see what changed." />
            <VersionHistory name={rb.name} />
          </Card>
          <Definition yaml={version.yaml} problems={version.problems} />
        </div>
        <aside className="min-w-0">
          <Card className="sticky top-16">
            <CardHeader title="Run" description={access.canRun ? undefined : undefined} />
            <div className="p-4">
              {access.canRun && def ? (
                <RunForm name={rb.name} params={def.params} confirm={confirm} needsApproval={access.needsApproval} />
              ) : (
                <p className="text-sm text-muted" data-testid="cannot-run">{access.reason ?? "You cannot run this runbook."}</p>
              )}
            </div>
          </Card>
        </aside>
      </div>
    </>
  );
}

function Problems({ problems }: { problems: Page["version"]["problems"] }) {
  return (
    <div role="alert" className="rounded-lg border border-failing/40 bg-failing/5 p-4" data-testid="definition-problems">
      <p className="mb-2 flex items-center gap-1.5 text-sm font-semibold text-failing"><AlertTriangle className="size-4" /> This version cannot run: {problems.length} problem{problems.length > 1 ? "s" : ""}</p>
      <ul className="space-y-1 text-sm">
        {problems.map((p, i) => (
          <li key={i} className="font-mono text-xs">
            {p.line ? <a href={`#def-line-${p.line}`} className="text-accent hover:underline">line {p.line}</a> : null} <span className="text-muted">{p.path}</span> — <span className="font-sans">{p.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function stepDetail(s: Step): ReactNode {
  switch (s.type) {
    case "shell":
      return <Code>{s.run}</Code>;
    case "script":
      return <Code>{`# ${s.lang}\n${s.script}`}</Code>;
    case "http":
      return <Code>{`${s.method} ${s.url}${s.expect !== undefined ? `\n→ expect ${Array.isArray(s.expect) ? s.expect.join(", ") : s.expect}` : ""}`}</Code>;
    case "kubernetes":
      return <span className="font-mono text-xs">{s.action} {s.service} in {s.environment}{s.replicas !== undefined ? ` → ${s.replicas} replicas` : ""}{s.saveAs ? ` → ${s.saveAs}` : ""}</span>;
    case "approval":
      return <span className="text-xs">{s.approvers} × {s.role} {s.teams ? `in ${s.teams.join(", ")}` : "of the owner team"}{s.message ? ` — “${s.message}”` : ""}</span>;
    case "wait":
      return <span className="font-mono text-xs">{s.duration !== undefined ? `wait ${formatMs(s.duration)}` : `until ${s.until} (re-running ${s.rerun} every ${formatMs(s.interval)})`}</span>;
  }
}

function Code({ children }: { children: string }) {
  return <pre className="mt-1 max-h-40 overflow-auto rounded border border-border bg-subtle/60 px-2 py-1 font-mono text-xs leading-5">{children.trimEnd()}</pre>;
}

function Steps({ steps }: { steps: Step[] }) {
  return (
    <Card>
      <CardHeader title={`Steps (${steps.length})`} description="Run in order. A step after a failure is skipped unless it says otherwise." />
      <ol className="divide-y divide-border" data-testid="runbook-steps">
        {steps.map((s, i) => {
          const Icon = STEP_ICON[s.type];
          return (
            <li key={i} className="flex gap-3 px-4 py-3">
              <span className="mt-0.5 grid size-6 shrink-0 place-items-center rounded-full bg-subtle text-xs font-medium">{i + 1}</span>
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-1.5 text-sm">
                  <Icon className="size-4 text-muted" aria-hidden />
                  <span className="font-medium">{s.name ?? s.id ?? `${s.type} step`}</span>
                  <Badge>{s.type}</Badge>
                  {s.if ? <Badge tone="accent">if {s.if}</Badge> : null}
                  {s.when !== "success" ? <Badge tone="degraded">{s.when === "always" ? "always runs" : "runs after a failure"}</Badge> : null}
                  {s.continueOnError ? <Badge>continues on error</Badge> : null}
                  {s.retries !== undefined ? <Badge>retries {typeof s.retries === "number" ? s.retries : s.retries.count}</Badge> : null}
                  {s.timeout !== undefined ? <Badge>timeout {formatMs(s.timeout)}</Badge> : null}
                </div>
                {s.description ? <p className="mt-0.5 text-xs text-muted">{s.description}</p> : null}
                <div className="mt-1">{stepDetail(s)}</div>
              </div>
            </li>
          );
        })}
      </ol>
    </Card>
  );
}

function Params({ params }: { params: ParamDef[] }) {
  const rule = (p: ParamDef) => {
    const parts: string[] = [];
    if (p.type === "string" || p.type === "secret") {
      if (p.pattern) parts.push(`matches ${p.pattern}`);
      if (p.maxLength) parts.push(`≤ ${p.maxLength} chars`);
    }
    if (p.type === "number") {
      if (p.min !== undefined) parts.push(`≥ ${p.min}`);
      if (p.max !== undefined) parts.push(`≤ ${p.max}`);
      if (p.integer) parts.push("whole number");
    }
    if (p.type === "enum" || p.type === "multi") parts.push(optionValues(p).map((o) => o.value).join(" | "));
    return parts.join(", ");
  };
  return (
    <Card>
      <CardHeader title="Parameters" description="Steps receive them as environment variables PARAM_<NAME>, never pasted into commands." />
      <Table>
        <thead>
          <tr><Th>Name</Th><Th>Type</Th><Th>Rules</Th><Th>Default</Th></tr>
        </thead>
        <tbody>
          {params.map((p) => (
            <Tr key={p.name}>
              <Td>
                <div className="font-medium">{p.label ?? p.name}{isRequired(p) ? <span className="text-failing"> *</span> : null}</div>
                <div className="font-mono text-xs text-muted">PARAM_{p.name.toUpperCase()}</div>
                {p.help ? <div className="text-xs text-muted">{p.help}</div> : null}
              </Td>
              <Td><Badge tone={p.type === "secret" ? "degraded" : "neutral"}>{p.type}</Badge></Td>
              <Td className="font-mono text-xs">{rule(p) || "—"}</Td>
              <Td className="font-mono text-xs">{"default" in p && p.default !== undefined ? (Array.isArray(p.default) ? p.default.join(", ") : String(p.default)) : "—"}</Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

function Schedules({ schedules }: { schedules: Page["schedules"] }) {
  return (
    <Card>
      <CardHeader title="Schedules" description="Runs these start show in the history; occurrences missed while Opsdeck was down are reported, not run late." />
      <Table>
        <thead><tr><Th>Schedule</Th><Th>Cron</Th><Th>Parameters</Th><Th>Next</Th></tr></thead>
        <tbody>
          {schedules.map((s) => (
            <Tr key={s.id}>
              <Td className="font-mono text-xs">{s.id}</Td>
              <Td className="font-mono text-xs">{s.cron}{s.timezone ? ` (${s.timezone})` : ""}</Td>
              <Td className="font-mono text-xs">{Object.entries(s.params).map(([k, v]) => `${k}=${String(v)}`).join(" ") || "—"}</Td>
              <Td className="text-xs">{s.enabled ? when(s.next) : <Badge>disabled</Badge>}</Td>
            </Tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}

function RecentRuns({ name }: { name: string }) {
  const trpc = useTRPC();
  const runs = useQuery(trpc.runbooks.runs.queryOptions({ runbook: name, limit: 8 }));
  return (
    <Card>
      <CardHeader title="Recent runs" actions={<Link href={`/runbooks/runs?runbook=${encodeURIComponent(name)}`} className="text-xs text-accent hover:underline">All runs →</Link>} />
      {runs.isPending ? <Skeleton className="m-4 h-16" /> : null}
      <ErrorNote error={runs.error} />
      {runs.data && !runs.data.items.length ? <p className="px-4 py-3 text-sm text-muted">Never run.</p> : null}
      {runs.data?.items.length ? (
        <Table data-testid="recent-runs">
          <tbody>
            {runs.data.items.map((r) => (
              <Tr key={r.id}>
                <Td className="w-40"><Link href={`/runbooks/runs/${r.id}`}><RunStateBadge state={r.state} /></Link></Td>
                <Td className="text-xs"><Link href={`/runbooks/runs/${r.id}`} className="hover:underline">{when(r.createdAt)}</Link></Td>
                <Td className="text-xs text-muted">{r.trigger === "schedule" ? "schedule" : r.requestedBy}</Td>
                <Td className="text-right text-xs text-muted">{r.activeMs ? formatMs(r.activeMs) : ""}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </Card>
  );
}

function Definition({ yaml, problems }: { yaml: string; problems: Page["version"]["problems"] }) {
  const [open, setOpen] = useState(problems.length > 0);
  const bad = new Set(problems.map((p) => p.line).filter((l): l is number => l !== null));
  const lines = yaml.split("\n");
  return (
    <Card>
      <CardHeader title="Definition (YAML)" actions={<button type="button" className="text-xs text-accent hover:underline" onClick={() => setOpen(!open)} aria-expanded={open}>{open ? "Hide" : "Show"}</button>} />
      {open ? (
        <pre className="max-h-[32rem] overflow-auto p-0 font-mono text-xs leading-5" data-testid="definition-yaml">
          {lines.map((l, i) => (
            <div key={i} id={`def-line-${i + 1}`} className={bad.has(i + 1) ? "bg-failing/15" : undefined}>
              <span className="inline-block w-10 select-none pr-3 text-right text-muted">{i + 1}</span>
              {l}
            </div>
          ))}
        </pre>
      ) : null}
    </Card>
  );
}

function PageSkeleton() {
  return (
    <div className="space-y-4" aria-busy="true" aria-label="Loading">
      <Skeleton className="h-8 w-72" />
      <div className="grid gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-4"><Skeleton className="h-32" /><Skeleton className="h-64" /></div>
        <Skeleton className="h-72" />
      </div>
    </div>
  );
}
