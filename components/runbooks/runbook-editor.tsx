"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useDeferredValue, useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { AlertTriangle, CircleCheck, LoaderCircle, Save } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, PageHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { ErrorNote, Skeleton } from "@/components/ui/states";
import { cn } from "@/components/ui/cn";

const LIVE_CHECK_MAX = 6000;

export function newRunbookTemplate(owner: string): string {
  return `apiVersion: opsdeck.dev/v1
kind: Runbook
metadata:
  name: my-runbook
  title: My runbook
  description: What it is for and when to use it.
  owner: ${owner}
spec:
  params:
    - name: service
      type: string
      label: Service
      pattern: "[a-z0-9-]+"
  steps:
    - id: hello
      name: Say hello
      type: shell
      run: echo "hello $PARAM_SERVICE"
`;
}

/**
 * Writing a runbook in the browser: the YAML is checked on the server as you type (same parser as saving) and every
 * problem shows at its line. Only a valid definition can be saved; each save is a new version.
 */
export function RunbookEditor({ mode, name, owner }: { mode: "create" | "edit"; name?: string; owner: string }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.runbooks.get.queryOptions({ name: name ?? "" }, { enabled: mode === "edit" && Boolean(name) }));
  if (mode === "edit" && current.isPending) return <Skeleton className="h-96" />;
  if (current.error) return <ErrorNote error={current.error} />;
  const initial = mode === "edit" ? (current.data?.version.yaml ?? "") : newRunbookTemplate(owner);
  return <EditorForm key={current.data?.version.version ?? "new"} mode={mode} name={name} initial={initial} baseVersion={current.data?.version.version} />;
}

function EditorForm({ mode, name, initial, baseVersion }: { mode: "create" | "edit"; name?: string; initial: string; baseVersion?: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [yaml, setYaml] = useState(initial);
  const [message, setMessage] = useState("");
  const deferred = useDeferredValue(yaml);
  const [debounced, setDebounced] = useState(yaml);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(deferred), 300);
    return () => clearTimeout(t);
  }, [deferred]);
  // Queries travel in the URL: very long definitions are checked when saved instead (the save reports the first problem).
  const live = debounced.length <= LIVE_CHECK_MAX;
  const check = useQuery(trpc.runbooks.validate.queryOptions({ yaml: debounced }, { enabled: live && debounced.trim().length > 0, placeholderData: keepPreviousData }));
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const onSaved = (r: { name: string; version: number }) => {
    toast.success(`Saved ${r.name} v${r.version}`);
    router.push(`/runbooks/${r.name}`);
  };
  const create = useMutation(trpc.runbooks.create.mutationOptions({ onSuccess: onSaved }));
  const update = useMutation(trpc.runbooks.update.mutationOptions({ onSuccess: onSaved }));
  const saving = create.isPending || update.isPending;
  const problems = check.data?.problems ?? [];
  const bad = new Set(problems.map((p) => p.line).filter((l): l is number => l !== null));
  const lines = yaml.split("\n").length;
  const checking = live && (check.isFetching || debounced !== yaml);

  const goToLine = (line: number) => {
    const el = area.current;
    if (!el) return;
    const starts = yaml.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const end = starts + (yaml.split("\n")[line - 1]?.length ?? 0);
    el.focus();
    el.setSelectionRange(starts, end);
    el.scrollTop = Math.max(0, (line - 5) * 20);
  };
  const save = () => {
    if (mode === "create") create.mutate({ yaml, message });
    else if (name && baseVersion) update.mutate({ name, yaml, baseVersion, message });
  };

  return (
    <>
      <PageHeader
        title={mode === "create" ? "New runbook" : `Edit ${name}`}
        description={<>The format is described in <code className="font-mono">docs/runbooks.md</code>. Parameters reach steps as PARAM_&lt;NAME&gt; environment variables, never inside the command text.</>}
        actions={<Link href={mode === "edit" && name ? `/runbooks/${name}` : "/runbooks"} className="text-sm text-muted hover:text-fg">Cancel</Link>}
      />
      <div className="grid gap-4 min-[1100px]:grid-cols-[minmax(0,1fr)_22rem]">
        <Card className="min-w-0 overflow-hidden">
          <div className="flex max-h-[70vh] min-h-[28rem] overflow-hidden font-mono text-xs leading-5">
            <div ref={gutter} aria-hidden className="select-none overflow-hidden border-r border-border bg-subtle/50 py-2 text-right text-muted">
              {Array.from({ length: lines }, (_, i) => (
                <div key={i} className={cn("px-2", bad.has(i + 1) && "bg-failing/20 font-bold text-failing")}>{i + 1}</div>
              ))}
            </div>
            <textarea
              ref={area}
              value={yaml}
              onChange={(e) => setYaml(e.target.value)}
              onScroll={(e) => {
                if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
              }}
              spellCheck={false}
              aria-label="Runbook definition (YAML)"
              aria-invalid={problems.length > 0}
              className="flex-1 resize-none whitespace-pre bg-card p-2 outline-none"
              wrap="off"
            />
          </div>
        </Card>
        <div className="space-y-4">
          <Card>
            <CardHeader title="Check" />
            <div className="p-4 text-sm" aria-live="polite" data-testid="editor-check">
              {!live ? (
                <span className="text-muted">This definition is long: it is checked when you save.</span>
              ) : checking && !check.data ? (
                <span className="flex items-center gap-1.5 text-muted"><LoaderCircle className="size-4 animate-spin" /> checking…</span>
              ) : problems.length === 0 && check.data ? (
                <span className="flex items-center gap-1.5 text-healthy"><CircleCheck className="size-4" /> Valid{check.data.name ? `: ${check.data.name}` : ""}</span>
              ) : (
                <>
                  <p className="mb-2 flex items-center gap-1.5 font-medium text-failing"><AlertTriangle className="size-4" /> {problems.length} problem{problems.length > 1 ? "s" : ""}</p>
                  <ul className="space-y-1.5">
                    {problems.map((p, i) => (
                      <li key={i} className="text-xs">
                        {p.line ? <button type="button" onClick={() => goToLine(p.line!)} className="font-mono text-accent hover:underline">line {p.line}</button> : null}{" "}
                        <span className="font-mono text-muted">{p.path}</span>
                        <div>{p.message}</div>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <ErrorNote error={check.error} />
            </div>
          </Card>
          <Card>
            <CardHeader title="Save" description={mode === "edit" ? `Saves version ${(baseVersion ?? 0) + 1}; the old one stays in the history.` : "Creates version 1."} />
            <div className="space-y-2 p-4">
              <Input value={message} onChange={(e) => setMessage(e.target.value)} placeholder="What changed (optional)" aria-label="Change message" className="w-full" />
              <ErrorNote error={create.error ?? update.error} />
              <Button variant="primary" onClick={save} disabled={saving || problems.length > 0 || checking} className="w-full">
                <Save className="size-4" /> {mode === "create" ? "Create runbook" : "Save new version"}
              </Button>
            </div>
          </Card>
        </div>
      </div>
    </>
  );
}
