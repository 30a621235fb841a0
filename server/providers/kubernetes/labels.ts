/**
 * Kubernetes label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) as predicates, for filtering informer caches
 * the way the API server filters lists.
 */
type Req = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(selector: string): Req {
  const reqs: Req[] = [];
  for (const raw of splitTopLevel(selector)) {
    const part = raw.trim();
    if (!part) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const key = m[1]!;
      const values = new Set(m[3]!.split(",").map((v) => v.trim()).filter(Boolean));
      reqs.push(m[2] === "in" ? (l) => key in l && values.has(l[key]!) : (l) => !(key in l) || !values.has(l[key]!));
    } else if ((m = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part))) {
      const [, key, value] = m as unknown as [string, string, string];
      reqs.push((l) => l[key] !== value);
    } else if ((m = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part))) {
      const [, key, value] = m as unknown as [string, string, string];
      reqs.push((l) => l[key] === value);
    } else if ((m = /^!([^\s!=]+)$/.exec(part))) {
      const key = m[1]!;
      reqs.push((l) => !(key in l));
    } else if ((m = /^([^\s!=]+)$/.exec(part))) {
      const key = m[1]!;
      reqs.push((l) => key in l);
    } else {
      throw new Error(`invalid label selector: ${part}`);
    }
  }
  return (labels) => reqs.every((r) => r(labels));
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
