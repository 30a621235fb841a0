"use client";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Field, Input, Select } from "@/components/ui/input";
import { isoToLocal, localToIso, type UrlFilter } from "./filter";

export function AuditFilterBar({ value, actions, onApply }: { value: UrlFilter; actions: readonly string[]; onApply: (f: UrlFilter) => void }) {
  const [draft, setDraft] = useState<UrlFilter>(value);
  const [error, setError] = useState<string | null>(null);
  const set = (k: Exclude<keyof UrlFilter, "outcome">) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value || undefined }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.from && draft.to && new Date(draft.from) > new Date(draft.to)) {
      setError("'From' must be before 'To'");
      return;
    }
    setError(null);
    onApply(draft);
  };
  const clear = () => {
    setDraft({});
    setError(null);
    onApply({});
  };

  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2 rounded-lg border border-border bg-card p-3" aria-label="Filter audit events">
      <Field label="Actor (email)">
        <Input name="actor" value={draft.actor ?? ""} onChange={set("actor")} placeholder="alice@example.com" className="w-52" />
      </Field>
      <Field label="Action">
        <Select name="action" value={draft.action ?? ""} onChange={set("action")} className="w-48">
          <option value="">Any action</option>
          {actions.map((a) => <option key={a} value={a}>{a}</option>)}
          {draft.action && !actions.includes(draft.action) ? <option value={draft.action}>{draft.action}</option> : null}
        </Select>
      </Field>
      <Field label="Target type">
        <Input name="targetType" value={draft.targetType ?? ""} onChange={set("targetType")} placeholder="membership" className="w-32" />
      </Field>
      <Field label="Target id">
        <Input name="targetId" value={draft.targetId ?? ""} onChange={set("targetId")} placeholder="payments/bob@…" className="w-40" />
      </Field>
      <Field label="Outcome">
        <Select name="outcome" value={draft.outcome ?? ""} onChange={(e) => setDraft((d) => ({ ...d, outcome: (e.target.value || undefined) as UrlFilter["outcome"] }))} className="w-28">
          <option value="">Any</option>
          <option value="success">success</option>
          <option value="denied">denied</option>
          <option value="error">error</option>
        </Select>
      </Field>
      <Field label="From">
        <Input type="datetime-local" name="from" value={isoToLocal(draft.from)} onChange={(e) => setDraft((d) => ({ ...d, from: localToIso(e.target.value) }))} aria-invalid={Boolean(error)} />
      </Field>
      <Field label="To">
        <Input type="datetime-local" name="to" value={isoToLocal(draft.to)} onChange={(e) => setDraft((d) => ({ ...d, to: localToIso(e.target.value) }))} />
      </Field>
      <div className="flex gap-2">
        <Button type="submit" variant="primary">Apply</Button>
        <Button type="button" variant="ghost" onClick={clear}>Clear</Button>
      </div>
      {error ? <p role="alert" className="w-full text-xs text-failing">{error}</p> : null}
    </form>
  );
}
