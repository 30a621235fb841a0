import pino from "pino";

// JSON logs to stdout; request ids are bound per request by the tRPC context (child loggers).
export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "opsdeck" },
  redact: { paths: ["*.password", "*.token", "*.secret", "*.authorization", "*.cookie"], censor: "[redacted]" },
});
