import { badRequest } from "./errors";
import type { KObject, LabelSelector } from "./types";

// Label selectors (`app=web,tier in (a,b),!canary`) and field selectors (`metadata.name=web,status.phase!=Running`),
// parsed and matched as the API server does for the cases clients use.

export type Requirement = { key: string; op: "=" | "!=" | "in" | "notin" | "exists" | "!exists"; values: string[] };

export function parseLabelSelector(s: string | null | undefined): Requirement[] {
  const out: Requirement[] = [];
  if (!s || !s.trim()) return out;
  for (const part of splitTopLevel(s)) {
    const p = part.trim();
    if (!p) continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^!\s*([A-Za-z0-9./_-]+)$/))) out.push({ key: m[1]!, op: "!exists", values: [] });
    else if ((m = p.match(/^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      out.push({ key: m[1]!, op: m[2] as "in" | "notin", values: m[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "") });
    } else if ((m = p.match(/^([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/))) {
      out.push({ key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] });
    } else if ((m = p.match(/^([A-Za-z0-9./_-]+)$/))) out.push({ key: m[1]!, op: "exists", values: [] });
    else throw badRequest(`unable to parse requirement: ${JSON.stringify(p)}`);
  }
  return out;
}

/** Splits on commas outside parentheses (`a in (x,y),b=c` → two parts). */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        return has && v === r.values[0];
      case "!=":
        return !has || v !== r.values[0];
      case "in":
        return has && r.values.includes(v!);
      case "notin":
        return !has || !r.values.includes(v!);
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}

/** A LabelSelector object (matchLabels/matchExpressions) as requirements. An empty selector matches everything. */
export function selectorRequirements(sel: LabelSelector | undefined): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel?.matchLabels ?? {}).map(([key, v]) => ({ key, op: "=", values: [v] }));
  for (const e of sel?.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!exists" } as const)[e.operator];
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(selectorRequirements(sel), labels);
}

/** `app=web,tier in (a,b)`: the string form (Scale status.selector, -o wide SELECTOR column). */
export function selectorString(sel: LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === "In" ? "in" : "notin"} (${(e.values ?? []).join(",")})`);
  }
  return parts.join(",");
}

export type FieldRequirement = { field: string; op: "=" | "!="; value: string };
/** Field values of one object, by field path; only the paths a resource supports are present. */
export type FieldGetter = (obj: KObject) => Record<string, string>;

export function parseFieldSelector(s: string | null | undefined, supported: readonly string[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (!s || !s.trim()) return out;
  for (const part of s.split(",")) {
    const m = part.trim().match(/^([A-Za-z0-9._{}-]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const field = m[1]!;
    if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() });
  }
  return out;
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  return reqs.every((r) => ((fields[r.field] ?? "") === r.value) === (r.op === "="));
}
