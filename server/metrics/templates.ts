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
  { id: "requestRate", title: "Request rate", unit: "req/s", selector: "http", template: "{{sum}}(rate(http_requests_total{{{selector}}}[{{window}}]))" },
  {
    id: "errorRatio",
    title: "Error ratio (5xx)",
    unit: "ratio",
    selector: "http",
    // "or 0 * all": a service that never answered 5xx has no 5xx series; its error ratio is 0, not "no data".
    template:
      '({{sum}}(rate(http_requests_total{{{selector}},code=~"5.."}[{{window}}])) or 0 * {{sum}}(rate(http_requests_total{{{selector}}}[{{window}}]))) / {{sum}}(rate(http_requests_total{{{selector}}}[{{window}}]))',

  },
  {
    id: "latency",
    title: "Latency",
    unit: "seconds",
    selector: "http",
    template: "histogram_quantile({{quantile}}, {{sumLe}}(rate(http_request_duration_seconds_bucket{{{selector}}}[{{window}}])))",
    quantiles: [0.5, 0.95, 0.99],
  },
  { id: "cpu", title: "CPU", unit: "cores", selector: "container", template: "{{sum}}(rate(container_cpu_usage_seconds_total{{{selector}}}[{{window}}]))" },
  { id: "memory", title: "Memory (working set)", unit: "bytes", selector: "container", template: "{{sum}}(container_memory_working_set_bytes{{{selector}}})" },
];

/**
 * The share of requests slower than `{{le}}` seconds (a histogram bucket boundary): the bad-event ratio of a latency
 * SLO (server/metrics/slo-queries.ts). Not a panel, and not overridable by a query annotation; the selector annotation applies.
 */
export const SLOW_RATIO_TEMPLATE =
  '1 - ({{sum}}(rate(http_request_duration_seconds_bucket{{{selector}},le="{{le}}"}[{{window}}])) / {{sum}}(rate(http_request_duration_seconds_count{{{selector}}}[{{window}}])))';

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

type RenderValues = { selector: string; window: string; quantile?: number; le?: string; byService?: boolean };

/**
 * Fills the placeholders. `{{sum}}`/`{{sumLe}}`/`{{le}}` exist only in the built-in templates (validateTemplate refuses
 * them in annotations): `byService` turns the sums into `sum by (service)`, one series per service for batched queries.
 */
export function render(template: string, values: RenderValues): string {
  return template.replace(/\{\{(selector|window|quantile|sum|sumLe|le)\}\}/g, (_, k: string) => {
    switch (k) {
      case "quantile":
        if (values.quantile === undefined) throw new TemplateError("{{quantile}} is only available in latency queries");
        return String(values.quantile);
      case "le":
        if (values.le === undefined) throw new TemplateError("{{le}} is only available in the latency SLO query");
        return values.le;
      case "sum":
        return values.byService ? "sum by (service) " : "sum";
      case "sumLe":
        return values.byService ? "sum by (service, le) " : "sum by (le) ";
      case "selector":
        return values.selector;
      default:
        return values.window;
    }
  });
}

export type PlannedQuery = { label: string; promql: string | null; error: string | null };
export type PlannedPanel = { id: SignalId; title: string; unit: Unit; source: "default" | "selector" | "annotation"; queries: PlannedQuery[] };

export type SignalEntity = { name: string; annotations: Record<string, string> };
/** A golden signal, or the latency SLO's bad-event ratio. */
export type QuerySignal = SignalId | "slowRatio";

function quote(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

function defOf(signal: QuerySignal): Pick<SignalDef, "template" | "selector"> {
  return signal === "slowRatio" ? { template: SLOW_RATIO_TEMPLATE, selector: "http" } : SIGNALS.find((s) => s.id === signal)!;
}

/** The entity's selector annotation, validated: `custom` when valid, `error` when present but invalid. */
function customSelector(entity: SignalEntity): { custom: string | null; error: string | null } {
  const annotation = entity.annotations[SELECTOR_ANNOTATION];
  if (annotation === undefined) return { custom: null, error: null };
  try {
    return { custom: validateSelector(annotation), error: null };
  } catch (err) {
    return { custom: null, error: `${SELECTOR_ANNOTATION}: ${(err as Error).message}` };
  }
}

/**
 * One query of one signal for one entity. Invalid annotations do not throw: the query carries the error (shown on its
 * chart or row), the other queries still run.
 */
export function planQuery(entity: SignalEntity, signal: QuerySignal, window: string, opts: { quantile?: number; le?: string; label?: string } = {}): PlannedQuery {
  const def = defOf(signal);
  const { custom, error: selectorError } = customSelector(entity);
  const override = signal === "slowRatio" ? undefined : entity.annotations[`${QUERY_ANNOTATION_PREFIX}${signal}`];
  const selector = custom ?? (def.selector === "http" ? `service="${quote(entity.name)}"` : `container="${quote(entity.name)}"`);
  const label = opts.label ?? signal;
  try {
    if (override !== undefined) {
      try {
        validateTemplate(override);
      } catch (err) {
        throw new TemplateError(`${QUERY_ANNOTATION_PREFIX}${signal}: ${(err as Error).message}`);
      }
    }
    if (selectorError && (override === undefined || override.includes("{{selector}}"))) throw new TemplateError(selectorError);
    const promql = render(override ?? def.template, { selector, window, quantile: opts.quantile, le: opts.le });
    checkBrackets(promql);
    return { label, promql, error: null };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { label, promql: null, error: err.message };
  }
}

/** The built-in template with the default `service="<name>"` selector applies: many such entities share one batched query. */
export function isBatchable(entity: SignalEntity, signal: QuerySignal): boolean {
  if (entity.annotations[SELECTOR_ANNOTATION] !== undefined) return false;
  return signal === "slowRatio" || entity.annotations[`${QUERY_ANNOTATION_PREFIX}${signal}`] === undefined;
}

/** A regex alternative matching exactly `name` (RE2 metacharacters escaped), inside a PromQL string. */
function regexLiteral(name: string): string {
  return quote(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

/**
 * One query for many batchable entities (HTTP signals only): the built-in template with `service=~"a|b|…"` and every
 * sum `by (service)`, so the answer holds one series per service, labelled `service`.
 */
export function batchQuery(signal: Exclude<QuerySignal, "cpu" | "memory">, names: readonly string[], window: string, opts: { quantile?: number; le?: string } = {}): string {
  if (!names.length) throw new RangeError("batchQuery needs at least one name");
  const selector = `service=~"${[...new Set(names)].sort().map(regexLiteral).join("|")}"`; // sorted: one set, one cache key
  return render(defOf(signal).template, { selector, window, quantile: opts.quantile, le: opts.le, byService: true });
}

/** The queries of every golden-signal panel for one entity (errors per query, as planQuery). */
export function planSignals(entity: SignalEntity, window: string): PlannedPanel[] {
  const { custom } = customSelector(entity);
  return SIGNALS.map((s) => {
    const override = entity.annotations[`${QUERY_ANNOTATION_PREFIX}${s.id}`];
    const source: PlannedPanel["source"] = override !== undefined ? "annotation" : custom ? "selector" : "default";
    const queries = (s.quantiles ?? [undefined]).map((q) => planQuery(entity, s.id, window, { quantile: q, label: q === undefined ? s.title : `p${Math.round(q * 100)}` }));
    return { id: s.id, title: s.title, unit: s.unit, source, queries };
  });
}

/** The annotations of a catalog entity's metadata JSON. */
export function annotationsOf(metadata: unknown): Record<string, string> {
  return ((metadata ?? {}) as { annotations?: Record<string, string> }).annotations ?? {};
}
