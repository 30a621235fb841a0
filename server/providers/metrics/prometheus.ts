import { MetricsQueryError, parseSampleValue, type MetricsProvider, type QueryOptions, type RangeSpec, type Series } from "./types";

export type PrometheusConfig = {
  /** Base URL, e.g. http://prometheus:9090 or https://host/prometheus (the API is under <url>/api/v1/). */
  url: string;
  auth?: { type: "bearer"; token: string } | { type: "basic"; username: string; password: string };
  /** Extra request headers (tenant ids for Thanos/Cortex/Mimir, …). */
  headers?: Record<string, string>;
  /** Per-request timeout in ms (also sent to Prometheus as its query timeout). */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

type ApiResponse =
  | { status: "success"; data: unknown; warnings?: string[] }
  | { status: "error"; errorType?: string; error?: string };

type PromSample = [number, string];
type VectorData = { resultType: "vector"; result: { metric: Record<string, string>; value: PromSample }[] };
type MatrixData = { resultType: "matrix"; result: { metric: Record<string, string>; values: PromSample[] }[] };
type ScalarData = { resultType: "scalar" | "string"; result: PromSample };
type QueryData = VectorData | MatrixData | ScalarData;

/** The Prometheus HTTP API (also Thanos, Cortex, Mimir, VictoriaMetrics — anything that speaks /api/v1/query*). */
export class PrometheusProvider implements MetricsProvider {
  readonly kind = "prometheus" as const;
  readonly id: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(config: PrometheusConfig) {
    const url = new URL(config.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`Prometheus URL must be http(s): ${config.url}`);
    this.base = url.href.replace(/\/+$/, "");
    this.id = `prometheus:${this.base}`;
    this.timeoutMs = config.timeoutMs ?? 15_000;
    this.fetch = config.fetch ?? fetch;
    this.headers = { accept: "application/json", ...config.headers };
    if (config.auth?.type === "bearer") this.headers.authorization = `Bearer ${config.auth.token}`;
    if (config.auth?.type === "basic") {
      this.headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString("base64")}`;
    }
  }

  async instantQuery(query: string, time?: Date, opts?: QueryOptions): Promise<Series[]> {
    const params: Record<string, string> = { query, timeout: `${Math.ceil(this.timeoutMs / 1000)}s` };
    if (time) params.time = seconds(time);
    return toSeries(await this.post<QueryData>("query", params, opts));
  }

  async rangeQuery(query: string, range: RangeSpec, opts?: QueryOptions): Promise<Series[]> {
    if (!(range.stepSeconds > 0)) throw new MetricsQueryError("step must be positive", "bad_data");
    const params = {
      query,
      start: seconds(range.start),
      end: seconds(range.end),
      step: String(range.stepSeconds),
      timeout: `${Math.ceil(this.timeoutMs / 1000)}s`,
    };
    return toSeries(await this.post<QueryData>("query_range", params, opts));
  }

  async series(matchers: string[], range?: { start: Date; end: Date }, opts?: QueryOptions): Promise<Record<string, string>[]> {
    const body = new URLSearchParams();
    for (const m of matchers) body.append("match[]", m);
    if (range) {
      body.set("start", seconds(range.start));
      body.set("end", seconds(range.end));
    }
    return this.request<Record<string, string>[]>("series", body, opts);
  }

  /** /api/v1/format_query (Prometheus ≥ 2.38) parses without evaluating; older servers get a cheap instant query. */
  async validateQuery(query: string, opts?: QueryOptions): Promise<void> {
    try {
      await this.post<string>("format_query", { query }, opts);
    } catch (err) {
      if (err instanceof MetricsQueryError && err.kind === "bad_response" && err.status === 404) {
        await this.instantQuery(query, undefined, opts);
        return;
      }
      throw err;
    }
  }

  private post<T>(endpoint: string, params: Record<string, string>, opts?: QueryOptions): Promise<T> {
    return this.request<T>(endpoint, new URLSearchParams(params), opts);
  }

  private async request<T>(endpoint: string, body: URLSearchParams, opts?: QueryOptions): Promise<T> {
    const signal = opts?.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/api/v1/${endpoint}`, {
        method: "POST",
        headers: { ...this.headers, "content-type": "application/x-www-form-urlencoded" },
        body,
        signal,
      });
    } catch (err) {
      const e = err as Error;
      if (e.name === "TimeoutError") throw new MetricsQueryError(`Prometheus did not answer within ${this.timeoutMs} ms`, "timeout");
      if (e.name === "AbortError") throw new MetricsQueryError("query cancelled", "canceled");
      const cause = (e.cause as { code?: string; message?: string } | undefined) ?? {};
      throw new MetricsQueryError(`Prometheus at ${this.base} is unreachable: ${cause.code ?? cause.message ?? e.message}`, "unavailable");
    }
    const text = await res.text();
    let json: ApiResponse | undefined;
    try {
      json = JSON.parse(text) as ApiResponse;
    } catch {
      json = undefined;
    }
    if (!json || (json.status !== "success" && json.status !== "error")) {
      const snippet = text.slice(0, 200).trim();
      const why = res.status === 401 || res.status === 403 ? "credentials refused" : "not a Prometheus API answer";
      throw new MetricsQueryError(`Prometheus answered HTTP ${res.status} (${why})${snippet ? `: ${snippet}` : ""}`, "bad_response", res.status);
    }
    if (json.status === "error") {
      const kind = json.errorType ?? "error";
      throw new MetricsQueryError(`${kind}: ${json.error ?? `HTTP ${res.status}`}`, kind, res.status);
    }
    return json.data as T;
  }
}

function seconds(d: Date): string {
  return (d.getTime() / 1000).toFixed(3);
}

function toSeries(data: QueryData): Series[] {
  switch (data.resultType) {
    case "vector":
      return data.result.map((r) => ({ labels: r.metric, points: [[Math.round(r.value[0] * 1000), parseSampleValue(r.value[1])]] }));
    case "matrix":
      return data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => [Math.round(t * 1000), parseSampleValue(v)]) }));
    case "scalar":
    case "string":
      return [{ labels: {}, points: [[Math.round(data.result[0] * 1000), parseSampleValue(data.result[1])]] }];
    default:
      throw new MetricsQueryError("Prometheus answered with an unknown result type", "bad_response");
  }
}
