export * from "./types";
export { PrometheusProvider, type PrometheusConfig } from "./prometheus";
export { DemoMetricsProvider } from "./demo";
