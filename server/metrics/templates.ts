/**
 * Golden signals as PromQL templates (docs/metrics.md). Placeholders: {{selector}} (label matchers, without braces),
 * {{window}} (the rate() window for the chosen step), {{quantile}} (latency panels only).
 *
 * Defaults follow common conventions: `http_requests_total` with a `code` label and `http_request_duration_seconds_bucket`
 * selected by `service="<name>"`, cAdvisor container metrics selected by `container="<name>"`. Per entity:
 *  - `opsdeck.dev/prometheus-selector: job="payments", namespace="prod"` replaces both selectors;
 *  - `opsdeck.dev/prometheus-query.<signal>` replaces a whole query (may use the placeholders above),
 *    signal ∈ requestRate, errorRatio, latency, cpu, memory.
 */

export const SELECTOR_ANNOTATION = "opsdeck.dev/prometheus-selector";
export const QUERY_ANNOTATION_PREFIX = "opsdeck.dev/prometheus-query.";

export type SignalId = "requestRate" | "errorRatio" | "latency" | "cpu" | "memory";
export type Unit = "req/s" | "ratio" | "seconds" | "cores" | "bytes";

type SignalDef = { id: SignalId; title: string; unit: Unit; selector: "http" | "container"; template: string; quantiles?: number[] };

export const SIGNALS: readonly SignalDef[] = [
  { id: "requestRate", title: "Request rate", unit: "req/s", selector: "http", template: "sum(rate(http_requests_total{{{selector}}}[{{window}}]))" },
  {
    id: "errorRatio",
    title: "Error ratio (5xx)",
    unit: "ratio",
    selector: "http",
    template: 'sum(rate(http_requests_total{{{selector}},code=~"5.."}[{{window}}])) / sum(rate(http_requests_total{{{selector}}}[{{window}}]))',
  },
  {
    id: "latency",
    title: "Latency",
    unit: "seconds",
    selector: "http",
    template: "histogram_quantile({{quantile}}, sum by (le) (rate(http_request_duration_seconds_bucket{{{selector}}}[{{window}}])))",
    quantiles: [0.5, 0.95, 0.99],
  },
  { id: "cpu", title: "CPU", unit: "cores", selector: "container", template: "sum(rate(container_cpu_usage_seconds_total{{{selector}}}[{{window}}]))" },
  { id: "memory", title: "Memory (working set)", unit: "bytes", selector: "container", template: "sum(container_memory_working_set_bytes{{{selector}}})" },
];

export const SIGNAL_IDS = SIGNALS.map((s) => s.id) as SignalId[];

export class TemplateError extends Error {
  override name = "TemplateError";
}

const LABEL_MATCHER = String.raw`[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\\n]|\\.)*"`;
const SELECTOR_RE = new RegExp(String.raw`^\s*${LABEL_MATCHER}(?:\s*,\s*${LABEL_MATCHER})*\s*,?\s*$`);
const PLACEHOLDERS = new Set(["selector", "window", "quantile"]);

/** A label-matcher list (`a="x", b=~"y.*"`): refuses anything else, so a selector cannot change the query around it. */
export function validateSelector(selector: string): string {
  const s = selector.trim();
  if (!s) throw new TemplateError("selector is empty (it would select every series)");
  if (s.length > 500) throw new TemplateError("selector is longer than 500 characters");
  if (!SELECTOR_RE.test(s)) throw new TemplateError(`selector must be label matchers like job="api", namespace=~"prod|stage": got ${s}`);
  // At least one matcher must not match the empty string, as Prometheus itself requires.
  const matchers = [...s.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\\n]|\\.)*)"/g)].map((m) => ({ op: m[2]!, value: m[3]! }));
  if (!matchers.some((m) => (m.op === "=" && m.value !== "") || (m.op === "=~" && !matchesEmpty(m.value)))) {
    throw new TemplateError("selector needs at least one matcher that does not match everything");
  }
  return s.replace(/,\s*$/, "");
}

function matchesEmpty(regex: string): boolean {
  try {
    return new RegExp(`^(?:${regex})$`).test("");
  } catch {
    return false; // Prometheus (RE2) will judge it
  }
}

/** Checks a (full-query) template: size, known placeholders, closed strings and balanced brackets. */
export function validateTemplate(template: string): void {
  if (!template.trim()) throw new TemplateError("query is empty");
  if (template.length > 2000) throw new TemplateError("query is longer than 2000 characters");
  for (const m of template.matchAll(/\{\{([^{}]*)\}\}/g)) {
    if (!PLACEHOLDERS.has(m[1]!)) throw new TemplateError(`unknown placeholder {{${m[1]}}} (known: {{selector}}, {{window}}, {{quantile}})`);
  }
  checkBrackets(template.replace(/\{\{(selector|window|quantile)\}\}/g, "x"));
}

function checkBrackets(q: string): void {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (let i = 0; i < q.length; i++) {
    const c = q[i]!;
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < q.length && q[j] !== c) j += q[j] === "\\" && c !== "`" ? 2 : 1;
      if (j >= q.length) throw new TemplateError(`unclosed string starting at character ${i + 1}`);
      i = j;
    } else if (c === "#") {
      const nl = q.indexOf("\n", i);
      i = nl < 0 ? q.length : nl;
    } else if (c === "(" || c === "[" || c === "{") stack.push(c);
    else if (c in pairs) {
      if (stack.pop() !== pairs[c]) throw new TemplateError(`unbalanced "${c}" at character ${i + 1}`);
    }
  }
  if (stack.length) throw new TemplateError(`unclosed "${stack[stack.length - 1]}"`);
}

export function render(template: string, values: { selector: string; window: string; quantile?: number }): string {
  return template.replace(/\{\{(selector|window|quantile)\}\}/g, (_, k: string) => {
    if (k === "quantile") {
      if (values.quantile === undefined) throw new TemplateError("{{quantile}} is only available in latency queries");
      return String(values.quantile);
    }
    return k === "selector" ? values.selector : values.window;
  });
}

export type PlannedQuery = { label: string; promql: string | null; error: string | null };
export type PlannedPanel = { id: SignalId; title: string; unit: Unit; source: "default" | "selector" | "annotation"; queries: PlannedQuery[] };

/**
 * The queries of every golden-signal panel for one entity. Invalid annotations do not throw: the affected panel
 * carries the error (shown on its chart), the other panels still run.
 */
export function planSignals(entity: { name: string; annotations: Record<string, string> }, window: string): PlannedPanel[] {
  const selectorAnnotation = entity.annotations[SELECTOR_ANNOTATION];
  let selectorError: string | null = null;
  let custom: string | null = null;
  if (selectorAnnotation !== undefined) {
    try {
      custom = validateSelector(selectorAnnotation);
    } catch (err) {
      selectorError = `${SELECTOR_ANNOTATION}: ${(err as Error).message}`;
    }
  }
  const nameValue = entity.name.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  return SIGNALS.map((s) => {
    const override = entity.annotations[`${QUERY_ANNOTATION_PREFIX}${s.id}`];
    const selector = custom ?? (s.selector === "http" ? `service="${nameValue}"` : `container="${nameValue}"`);
    const source: PlannedPanel["source"] = override !== undefined ? "annotation" : custom ? "selector" : "default";
    const quantiles = s.quantiles ?? [undefined];
    const queries = quantiles.map((q): PlannedQuery => {
      const label = q === undefined ? s.title : `p${Math.round(q * 100)}`;
      try {
        if (override !== undefined) {
          try {
            validateTemplate(override);
          } catch (err) {
            throw new TemplateError(`${QUERY_ANNOTATION_PREFIX}${s.id}: ${(err as Error).message}`);
          }
        }
        if (selectorError && (override === undefined || override.includes("{{selector}}"))) throw new TemplateError(selectorError);
        const promql = render(override ?? s.template, { selector, window, quantile: q });
        checkBrackets(promql);
        return { label, promql, error: null };
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        return { label, promql: null, error: err.message };
      }
    });
    return { id: s.id, title: s.title, unit: s.unit, source, queries };
  });
}
