"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { LoaderCircle, Play } from "lucide-react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Field, Input, Select } from "@/components/ui/input";
import { ErrorNote, Skeleton } from "@/components/ui/states";

type Group = RouterOutputs["ci"]["pipelines"][number];

/** Start a pipeline: provider and pipeline, the branch, and the pipeline's declared inputs. */
export function TriggerForm({ entityRef, onStarted, onCancel }: { entityRef: string; onStarted: (runId: string | null, message: string) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const groups = useQuery(trpc.ci.pipelines.queryOptions({ entityRef }, { staleTime: 60_000 }));
  const [choice, setChoice] = useState<string>("");
  const [ref, setRef] = useState("main");
  const [inputs, setInputs] = useState<Record<string, string>>({});
  const trigger = useMutation(
    trpc.ci.trigger.mutationOptions({
      onSuccess: (r) => onStarted(r.runId, r.message),
      onError: (e) => toast.error(e.message),
    }),
  );
  if (groups.error) return <ErrorNote error={groups.error} />;
  if (groups.isPending) return <Skeleton className="h-24 w-full" />;
  const options = groups.data.flatMap((g: Group) => g.pipelines.filter((p) => p.triggerable).map((p) => ({ key: `${g.provider}\0${p.id}`, group: g, p })));
  const problems = groups.data.filter((g) => g.error);
  const selected = options.find((o) => o.key === choice) ?? options[0];
  const fieldErrors = (trigger.error?.data as { zod?: { fieldErrors?: Record<string, string[]> } } | undefined)?.zod?.fieldErrors ?? {};

  return (
    <form
      className="space-y-3"
      aria-label="Trigger a pipeline"
      onSubmit={(e) => {
        e.preventDefault();
        if (!selected) return;
        const declared = Object.fromEntries(selected.p.inputs.map((i) => [i.name, inputs[i.name] ?? i.default ?? ""]).filter(([, v]) => v !== ""));
        trigger.mutate({ entityRef, provider: selected.group.provider, pipeline: selected.p.id, ref, inputs: declared });
      }}
    >
      {options.length ? (
        <div className="grid gap-3 min-[700px]:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <Field label="Pipeline" htmlFor="ci-pipeline">
            <Select id="ci-pipeline" value={selected?.key ?? ""} onChange={(e) => setChoice(e.target.value)}>
              {options.map((o) => (
                <option key={o.key} value={o.key}>
                  {o.group.label} · {o.p.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Branch or tag" htmlFor="ci-ref" error={fieldErrors.ref?.[0]}>
            <Input id="ci-ref" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="main" />
          </Field>
          {selected?.p.inputs.map((i) => (
            <Field key={i.name} label={`${i.name}${i.required ? " *" : ""}${i.description ? ` — ${i.description}` : ""}`} htmlFor={`ci-in-${i.name}`}>
              {i.options ? (
                <Select id={`ci-in-${i.name}`} value={inputs[i.name] ?? i.default ?? ""} onChange={(e) => setInputs({ ...inputs, [i.name]: e.target.value })}>
                  {i.options.map((o) => <option key={o} value={o}>{o}</option>)}
                </Select>
              ) : (
                <Input id={`ci-in-${i.name}`} value={inputs[i.name] ?? i.default ?? ""} onChange={(e) => setInputs({ ...inputs, [i.name]: e.target.value })} />
              )}
            </Field>
          ))}
        </div>
      ) : (
        <p className="text-sm text-muted">No pipeline of this service can be triggered from here.</p>
      )}
      {problems.map((g) => (
        <p key={g.provider} className="text-xs text-muted">
          <span className="font-medium text-fg">{g.label}:</span> {g.error}
        </p>
      ))}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={!selected || trigger.isPending}>
          {trigger.isPending ? <LoaderCircle className="size-4 animate-spin" /> : <Play className="size-4" />} Run pipeline
        </Button>
        <Button type="button" variant="ghost" onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
