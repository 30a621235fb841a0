"use client";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Skeleton } from "@/components/ui/states";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { cn } from "@/components/ui/cn";
import { parseDefinitionText, summarizeApi, type ApiSummary } from "./api-spec";

const methodTone: Record<string, string> = {
  GET: "text-accent border-accent/30 bg-accent/10",
  POST: "text-healthy border-healthy/30 bg-healthy/10",
  PUT: "text-degraded border-degraded/30 bg-degraded/10",
  PATCH: "text-degraded border-degraded/30 bg-degraded/10",
  DELETE: "text-failing border-failing/30 bg-failing/10",
};

/** An API definition rendered readably (operations of OpenAPI, channels of AsyncAPI) plus the raw text, collapsible. */
export function ApiDefinition({ type, definition }: { type: string | null; definition: string | null }) {
  const [summary, setSummary] = useState<ApiSummary | { format: "error"; reason: string } | null>(null);
  useEffect(() => {
    let live = true;
    if (!definition) return;
    // The YAML parser is only needed here: load it on demand instead of with every catalog page.
    void import("yaml").then(({ parse }) => {
      if (!live) return;
      const { value, error } = parseDefinitionText(definition, (s) => parse(s, { maxAliasCount: 50 }));
      setSummary(error ? { format: "error", reason: error } : summarizeApi(value));
    });
    return () => {
      live = false;
    };
  }, [definition]);

  if (!definition) return <p className="text-sm text-muted">This API has no definition.</p>;
  return (
    <div className="space-y-3" data-testid="api-definition">
      {summary === null ? (
        <Skeleton className="h-24 w-full" />
      ) : summary.format === "openapi" ? (
        <>
          <SpecHeader kind={`OpenAPI ${summary.version}`} title={summary.title} version={summary.apiVersion} description={summary.description} servers={summary.servers} />
          {summary.operations.length ? (
            <div className="rounded-md border border-border">
              <Table className="table-fixed">
                <colgroup><col className="w-20" /><col className="w-[40%]" /><col /></colgroup>
                <thead><tr><Th>Method</Th><Th>Path</Th><Th>Summary</Th></tr></thead>
                <tbody>
                  {summary.operations.map((o) => (
                    <Tr key={`${o.method} ${o.path}`}>
                      <Td>
                        <span className={cn("inline-block w-14 rounded border px-1 py-px text-center font-mono text-[11px] font-semibold", methodTone[o.method] ?? "border-border bg-subtle text-muted")}>{o.method}</span>
                      </Td>
                      <Td className={cn("break-all font-mono text-xs", o.deprecated && "line-through opacity-70")}>{o.path}</Td>
                      <Td className="text-xs">
                        {o.summary || <span className="text-muted">—</span>}
                        {o.operationId ? <span className="ml-1.5 font-mono text-[11px] text-muted">{o.operationId}</span> : null}
                        {o.deprecated ? <Badge tone="degraded" className="ml-1.5">deprecated</Badge> : null}
                      </Td>
                    </Tr>
                  ))}
                </tbody>
              </Table>
            </div>
          ) : (
            <p className="text-sm text-muted">The definition has no paths.</p>
          )}
          {summary.truncated ? <p className="text-xs text-muted">Only the first operations are listed; the raw definition has all of them.</p> : null}
        </>
      ) : summary.format === "asyncapi" ? (
        <>
          <SpecHeader kind={`AsyncAPI ${summary.version}`} title={summary.title} version={summary.apiVersion} description={summary.description} servers={summary.servers} />
          <ul className="divide-y divide-border rounded-md border border-border">
            {summary.channels.map((c) => (
              <li key={c.name} className="flex flex-wrap items-center gap-2 px-3 py-2 text-xs">
                <span className="font-mono font-medium">{c.name}</span>
                {c.operations.map((o, i) => <Badge key={i} tone="accent">{o.action}</Badge>)}
                {c.operations.find((o) => o.summary)?.summary ? <span className="text-muted">{c.operations.find((o) => o.summary)!.summary}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="text-sm text-muted">
          {type ? <Badge className="mr-1.5">{type}</Badge> : null}
          {summary.format === "error" ? `Could not read the definition: ${summary.reason}.` : `${summary.reason}; shown as text below.`}
        </p>
      )}
      <details className="group rounded-md border border-border" open={summary !== null && summary.format !== "openapi" && summary.format !== "asyncapi"}>
        <summary className="cursor-pointer select-none px-3 py-1.5 text-xs font-medium text-muted hover:text-fg">Raw definition ({definition.split("\n").length} lines)</summary>
        <pre className="max-h-96 overflow-auto border-t border-border bg-subtle/50 p-3 font-mono text-xs leading-relaxed">{definition}</pre>
      </details>
    </div>
  );
}

function SpecHeader({ kind, title, version, description, servers }: { kind: string; title: string | null; version: string | null; description: string | null; servers: string[] }) {
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="accent">{kind}</Badge>
        {title ? <span className="text-sm font-medium">{title}</span> : null}
        {version ? <span className="text-xs text-muted">v{version}</span> : null}
      </div>
      {description ? <p className="text-xs text-muted">{description}</p> : null}
      {servers.length ? <p className="break-all font-mono text-[11px] text-muted">{servers.join(" · ")}</p> : null}
    </div>
  );
}
