/** The audit filter as it lives in the URL (?actor=…&action=…), so a filtered view can be shared and exported. */
export const FILTER_KEYS = ["actor", "action", "targetType", "targetId", "outcome", "from", "to"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
const OUTCOMES = ["success", "denied", "error"] as const;
export type UrlFilter = Partial<Record<Exclude<FilterKey, "outcome">, string>> & { outcome?: (typeof OUTCOMES)[number] };

export function filterFromParams(params: URLSearchParams): UrlFilter {
  const f: UrlFilter = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (!v) continue;
    // An outcome the server does not know would only produce an error; drop it instead.
    if (k === "outcome") f.outcome = OUTCOMES.find((o) => o === v);
    else f[k] = v;
  }
  return f;
}

export function filterToParams(f: UrlFilter): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) p.set(k, f[k]!);
  return p;
}

/** datetime-local inputs speak local time without zone; the API wants instants. */
export function localToIso(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function isoToLocal(v: string | undefined): string {
  if (!v) return "";
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
