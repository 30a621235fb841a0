"use client";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Eye, EyeOff, Play, ShieldAlert, UserCheck } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { ErrorNote } from "@/components/ui/states";
import { fieldErrors } from "@/components/ui/field-errors";
import { cn } from "@/components/ui/cn";
import { defaultValues, isRequired, optionValues, validateParams, type ParamDef, type ParamValue } from "./param-schema";

export type ConfirmRule = { kind: "param"; name: string } | { kind: "text"; text: string } | null;

/**
 * The run form, generated from the runbook's parameters and checked with the same schema the server uses
 * (param-schema.ts) — errors show under each field before anything is sent; the server's answer lands in the same place.
 */
export function RunForm({ name, params, confirm, needsApproval }: { name: string; params: ParamDef[]; confirm: ConfirmRule; needsApproval: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [values, setValues] = useState<Record<string, ParamValue | undefined>>(() => defaultValues(params));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [typed, setTyped] = useState("");
  const [touched, setTouched] = useState(false);
  const start = useMutation(
    trpc.runbooks.start.mutationOptions({
      onSuccess: ({ id }) => router.push(`/runbooks/runs/${id}`),
      onError: (e) => setErrors(fieldErrors(e)),
    }),
  );
  const set = (k: string, v: ParamValue | undefined) => {
    const next = { ...values, [k]: v };
    setValues(next);
    if (touched) {
      const r = validateParams(params, next);
      setErrors(r.ok ? {} : r.errors);
    }
  };
  const expected = confirm ? (confirm.kind === "text" ? confirm.text : String(values[confirm.name] ?? "")) : null;
  const confirmOk = expected === null || (expected !== "" && typed.trim() === expected);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const r = validateParams(params, values);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors({});
    if (!confirmOk) {
      document.getElementById(`confirm-${name}`)?.focus();
      return;
    }
    start.mutate({ name, params: r.values, confirm: expected ?? undefined });
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-3" aria-label={`Run ${name}`}>
      {params.length === 0 ? <p className="text-sm text-muted">This runbook takes no parameters.</p> : null}
      {params.map((p) => (
        <ParamField key={p.name} def={p} value={values[p.name]} error={errors[p.name]} onChange={(v) => set(p.name, v)} />
      ))}
      {errors._ ? <p role="alert" className="text-xs text-failing">{errors._}</p> : null}
      {needsApproval ? (
        <p className="flex items-start gap-1.5 rounded-md border border-degraded/40 bg-degraded/10 px-2.5 py-2 text-xs text-degraded">
          <UserCheck className="mt-px size-3.5 shrink-0" aria-hidden /> Your run waits for an approval before it starts; you cannot approve it yourself.
        </p>
      ) : null}
      {expected !== null ? (
        <div className="rounded-md border border-failing/40 bg-failing/5 p-2.5">
          <label htmlFor={`confirm-${name}`} className="mb-1.5 flex items-start gap-1.5 text-xs font-medium text-failing">
            <ShieldAlert className="mt-px size-3.5 shrink-0" aria-hidden />
            <span>This runbook is dangerous. Type {expected ? <code className="rounded bg-failing/10 px-1 font-mono">{expected}</code> : `the ${confirm?.kind === "param" ? confirm.name : "name"}`} to confirm.</span>
          </label>
          <Input id={`confirm-${name}`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="w-full font-mono" aria-invalid={touched && !confirmOk} aria-describedby={touched && !confirmOk ? `confirm-${name}-error` : undefined} />
          {touched && !confirmOk ? <p id={`confirm-${name}-error`} role="alert" className="mt-1 text-xs text-failing">{expected ? `Type ${expected} exactly to run it` : "Fill in the parameters first"}</p> : null}
        </div>
      ) : null}
      <ErrorNote error={start.error && !Object.keys(fieldErrors(start.error)).length ? start.error : null} />
      <Button type="submit" variant={expected !== null ? "danger" : "primary"} disabled={start.isPending} className="w-full">
        <Play className="size-4" /> {needsApproval ? "Request run" : "Run"}
      </Button>
    </form>
  );
}

function ParamField({ def, value, error, onChange }: { def: ParamDef; value: ParamValue | undefined; error?: string; onChange: (v: ParamValue | undefined) => void }) {
  const id = `param-${def.name}`;
  const label = def.label ?? def.name;
  const required = isRequired(def);
  const help = def.help ? <p id={`${id}-help`} className="text-xs font-normal text-muted">{def.help}</p> : null;
  const describedBy = [def.help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const head = (
    <span className="text-xs font-medium text-muted">
      {label}
      {required ? <span className="text-failing" aria-hidden> *</span> : "default" in def && def.default !== undefined ? null : <span className="font-normal"> (optional)</span>}
    </span>
  );
  const err = error ? <p id={`${id}-error`} role="alert" className="text-xs text-failing">{error}</p> : null;

  if (def.type === "boolean") {
    return (
      <div>
        <label className="flex items-center gap-2 text-sm">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} className="size-4 accent-[var(--color-accent)]" />
          {label}
        </label>
        {help}
        {err}
      </div>
    );
  }
  if (def.type === "multi") {
    const picked = Array.isArray(value) ? value : [];
    return (
      <fieldset aria-describedby={describedBy}>
        <legend>{head}</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {optionValues(def).map((o) => (
            <label key={o.value} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" checked={picked.includes(o.value)} onChange={(e) => onChange(e.target.checked ? [...picked, o.value] : picked.filter((x) => x !== o.value))} className="size-4" />
              {o.label}
            </label>
          ))}
        </div>
        {help}
        {err}
      </fieldset>
    );
  }
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id}>{head}</label>
      {def.type === "enum" ? (
        <Select id={id} value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value || undefined)} aria-invalid={Boolean(error)} aria-describedby={describedBy} className="w-full">
          {def.default === undefined ? <option value="">Choose…</option> : null}
          {optionValues(def).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </Select>
      ) : def.type === "secret" ? (
        <SecretInput id={id} value={typeof value === "string" ? value : ""} onChange={(v) => onChange(v)} invalid={Boolean(error)} describedBy={describedBy} />
      ) : def.type === "string" && def.multiline ? (
        <textarea
          id={id}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value)}
          rows={4}
          aria-invalid={Boolean(error)}
          aria-describedby={describedBy}
          placeholder={def.placeholder}
          className="rounded-md border border-border bg-card px-2.5 py-1.5 font-mono text-sm aria-[invalid=true]:border-failing"
        />
      ) : (
        <Input
          id={id}
          type={def.type === "number" ? "number" : "text"}
          inputMode={def.type === "number" ? "decimal" : undefined}
          min={def.type === "number" ? def.min : undefined}
          max={def.type === "number" ? def.max : undefined}
          step={def.type === "number" && def.integer ? 1 : undefined}
          value={value === undefined ? "" : String(value)}
          onChange={(e) => onChange(e.target.value)}
          placeholder={def.type === "string" ? def.placeholder : undefined}
          aria-invalid={Boolean(error)}
          aria-describedby={describedBy}
          autoComplete="off"
          className={cn("w-full", def.type === "string" && def.pattern ? "font-mono" : "")}
        />
      )}
      {help}
      {err}
    </div>
  );
}

/** Masked by default, never prefilled, not remembered by the browser. */
function SecretInput({ id, value, onChange, invalid, describedBy }: { id: string; value: string; onChange: (v: string) => void; invalid: boolean; describedBy?: string }) {
  const [show, setShow] = useState(false);
  return (
    <div className="flex gap-1">
      <Input id={id} type={show ? "text" : "password"} value={value} onChange={(e) => onChange(e.target.value)} autoComplete="new-password" aria-invalid={invalid} aria-describedby={describedBy} className="w-full font-mono" />
      <Button type="button" variant="ghost" size="sm" className="h-8" onClick={() => setShow((s) => !s)} aria-label={show ? "Hide value" : "Show value"}>
        {show ? <EyeOff className="size-4" /> : <Eye className="size-4" />}
      </Button>
    </div>
  );
}
