import { defineConfig } from "@playwright/test";
import { DEMO_PORT, E2E_CLUSTER_PORT, E2E_ENVIRONMENTS, E2E_KUBECONFIG } from "./e2e/support/urls";

// Auth.js computes callback URLs from the request origin and Next rewrites 127.0.0.1 to localhost, so the app
// origin is http://localhost:<port> everywhere (browser, AUTH_URL, the IdP's redirect_uri).
const PORT = Number(process.env.E2E_PORT ?? 3000);
const IDP_PORT = Number(process.env.IDP_PORT ?? 14400);
const APP = `http://localhost:${PORT}`;


export const GROUP_MAP = {
  "opsdeck-admins": { globalAdmin: true },
  "payments-engineers": { team: "payments", role: "engineer" },
  "payments-viewers": { team: "payments", role: "viewer" },
};

export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  workers: 1,
  reporter: process.env.PW_JSON_OUTPUT ? [["list"], ["json", { outputFile: process.env.PW_JSON_OUTPUT }]] : [["list"]],
  use: {
    baseURL: APP,
    browserName: "chromium",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: [
    {
      command: "node e2e/support/oidc-idp.mjs",
      url: `http://127.0.0.1:${IDP_PORT}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: { IDP_PORT: String(IDP_PORT), APP_URL: APP },
    },
    {
      // the demo Kubernetes cluster the app deploys to (started first: the app reads its kubeconfig)
      command: "node_modules/.bin/tsx --conditions=react-server e2e/support/start-cluster.ts",
      url: `http://127.0.0.1:${E2E_CLUSTER_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: { E2E_CLUSTER_PORT: String(E2E_CLUSTER_PORT), E2E_KUBECONFIG },
    },
    {
      // expects `next build` to have run (npm test does it)
      command: "bash e2e/support/start-app.sh",
      url: `http://127.0.0.1:${PORT}/api/health`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        E2E_PORT: String(PORT),
        AUTH_URL: APP,
        AUTH_SECRET: "e2e-secret-0123456789abcdef0123456789abcdef",
        OIDC_ISSUER: `http://127.0.0.1:${IDP_PORT}`,
        OIDC_CLIENT_ID: "opsdeck-e2e",
        OIDC_CLIENT_SECRET: "opsdeck-e2e-secret",
        OIDC_NAME: "Test IdP",
        OIDC_SCOPES: "openid email profile groups",
        OPSDECK_GROUP_MAP: JSON.stringify(GROUP_MAP),
        OPSDECK_KUBECONFIG: E2E_KUBECONFIG,
        OPSDECK_ENVIRONMENTS: JSON.stringify(E2E_ENVIRONMENTS),
        LOG_LEVEL: "warn",
      },
    },
    // E2E_NO_DEMO=1 skips the demo-mode server when only specs against the production-style app run (it is slow to start).
    ...(process.env.E2E_NO_DEMO ? [] : [{
      // zero-setup demo mode (its launcher rebuilds NEXT_DIST_DIR when sources are newer than the build), started the way `npm start` starts it (e2e/demo.spec.ts)
      command: "bash e2e/support/start-demo.sh",
      url: `http://127.0.0.1:${DEMO_PORT}/api/ready`,
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
      env: { PORT: String(DEMO_PORT), PGLITE_PORT: String(Number(process.env.E2E_DEMO_PGLITE_PORT ?? 54400)), LOG_LEVEL: "warn" },
    }]),
  ],
});
