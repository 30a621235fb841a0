import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/server/env";

const DB = "postgresql://opsdeck@db.internal:5432/opsdeck";
const EMBEDDED = "postgresql://postgres@127.0.0.1:54329/postgres";
const SECRET = "0123456789abcdef0123456789abcdef";
const OIDC = { OIDC_ISSUER: "https://login.example.test/realms/ops", OIDC_CLIENT_ID: "opsdeck", OIDC_CLIENT_SECRET: "s3cret" };

function configError(source: Record<string, string | undefined>, opts?: { requireDatabase?: boolean }): string {
  try {
    parseEnv(source, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected parseEnv to reject the configuration");
}

describe("parseEnv rejects bad values, naming the variable", () => {
  it.each([
    ["a non-postgres DATABASE_URL", { DATABASE_URL: "mysql://root@localhost/opsdeck" }, /DATABASE_URL: must be a postgres/],
    ["a DATABASE_URL that is not a URL", { DATABASE_URL: "localhost:5432" }, /DATABASE_URL/],
    ["a bad embedded database URL", { OPSDECK_EMBEDDED_DATABASE_URL: "file:./x.db" }, /OPSDECK_EMBEDDED_DATABASE_URL/],
    ["no database at all", {}, /DATABASE_URL: not set/],
    ["a short AUTH_SECRET", { DATABASE_URL: DB, AUTH_SECRET: "short" }, /AUTH_SECRET: must be at least 32/],
    ["a pool size of 0", { DATABASE_URL: DB, DATABASE_POOL_MAX: "0" }, /DATABASE_POOL_MAX/],
    ["a pool size that is not a number", { DATABASE_URL: DB, DATABASE_POOL_MAX: "ten" }, /DATABASE_POOL_MAX/],
    ["a port out of range", { DATABASE_URL: DB, PORT: "70000" }, /PORT/],
    ["an unknown log level", { DATABASE_URL: DB, LOG_LEVEL: "verbose" }, /LOG_LEVEL/],
    ["an unknown worker mode", { DATABASE_URL: DB, OPSDECK_WORKER: "sometimes" }, /OPSDECK_WORKER/],
    ["a bad trust-proxy flag", { DATABASE_URL: DB, OPSDECK_TRUST_PROXY: "yes" }, /OPSDECK_TRUST_PROXY/],
    ["an OIDC issuer that is not a URL", { DATABASE_URL: DB, ...OIDC, OIDC_ISSUER: "login.example.test" }, /OIDC_ISSUER/],
    ["only OIDC_ISSUER", { DATABASE_URL: DB, OIDC_ISSUER: OIDC.OIDC_ISSUER }, /OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required/],
    ["OIDC without the secret", { DATABASE_URL: DB, ...OIDC, OIDC_CLIENT_SECRET: "" }, /OIDC_CLIENT_SECRET: required/],
    ["OIDC client settings without an issuer", { DATABASE_URL: DB, OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" }, /OIDC_ISSUER: required/],
    ["OPSDECK_GROUP_MAP that is not JSON", { DATABASE_URL: DB, OPSDECK_GROUP_MAP: "{ops: admin}" }, /OPSDECK_GROUP_MAP: must be JSON/],
    ["OPSDECK_GROUP_MAP with an unknown role", { DATABASE_URL: DB, OPSDECK_GROUP_MAP: '{"ops":{"team":"platform","role":"root"}}' }, /OPSDECK_GROUP_MAP\.ops/],
    ["OPSDECK_GROUP_MAP with a bad team slug", { DATABASE_URL: DB, OPSDECK_GROUP_MAP: '{"ops":{"team":"Platform Team","role":"admin"}}' }, /OPSDECK_GROUP_MAP\.ops/],
    ["OPSDECK_GROUP_MAP that is a list", { DATABASE_URL: DB, OPSDECK_GROUP_MAP: '["ops"]' }, /OPSDECK_GROUP_MAP/],
    ["AUTH_SECRET missing in production", { NODE_ENV: "production", DATABASE_URL: DB, ...OIDC }, /AUTH_SECRET: required outside demo mode/],
    ["OIDC missing in production", { NODE_ENV: "production", DATABASE_URL: DB, AUTH_SECRET: SECRET }, /OIDC_ISSUER: required outside demo mode/],
  ] as const)("%s", (_name, source, message) => {
    expect(configError(source)).toMatch(message);
  });

  it("lists every bad variable at once", () => {
    const msg = configError({ DATABASE_URL: "nope", PORT: "0", LOG_LEVEL: "loud" });
    expect(msg).toMatch(/DATABASE_URL/);
    expect(msg).toMatch(/PORT/);
    expect(msg).toMatch(/LOG_LEVEL/);
  });
});

describe("demo mode", () => {
  it("is on only when DATABASE_URL is unset and the embedded database was started", () => {
    const e = parseEnv({ OPSDECK_EMBEDDED_DATABASE_URL: EMBEDDED });
    expect(e.demoMode).toBe(true);
    expect(e.databaseUrl).toBe(EMBEDDED);
  });

  it("is off whenever DATABASE_URL is set, even with the embedded database", () => {
    const e = parseEnv({ DATABASE_URL: DB, OPSDECK_EMBEDDED_DATABASE_URL: EMBEDDED });
    expect(e.demoMode).toBe(false);
    expect(e.databaseUrl).toBe(DB);
    expect(parseEnv({ DATABASE_URL: DB }).demoMode).toBe(false);
  });

  it("is off without any database when the caller does not need one", () => {
    expect(parseEnv({}, { requireDatabase: false })).toMatchObject({ demoMode: false, databaseUrl: "" });
  });

  it("treats an empty DATABASE_URL as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", OPSDECK_EMBEDDED_DATABASE_URL: EMBEDDED }).demoMode).toBe(true);
  });

  it("cannot be switched on by any flag-like variable", () => {
    for (const flag of ["OPSDECK_DEMO", "DEMO", "OPSDECK_DEMO_MODE", "demoMode"]) {
      expect(parseEnv({ DATABASE_URL: DB, [flag]: "1" }).demoMode).toBe(false);
    }
  });

  it("in production needs neither AUTH_SECRET nor OIDC, and production with DATABASE_URL needs both", () => {
    expect(parseEnv({ NODE_ENV: "production", OPSDECK_EMBEDDED_DATABASE_URL: EMBEDDED }).demoMode).toBe(true);
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: DB, OPSDECK_EMBEDDED_DATABASE_URL: EMBEDDED })).toThrow(/AUTH_SECRET/);
    const prod = parseEnv({ NODE_ENV: "production", DATABASE_URL: DB, AUTH_SECRET: SECRET, ...OIDC });
    expect(prod).toMatchObject({ demoMode: false, oidc: { issuer: OIDC.OIDC_ISSUER, clientId: "opsdeck", clientSecret: "s3cret" } });
  });
});

describe("valid configuration", () => {
  it("applies defaults and parses types", () => {
    const e = parseEnv({
      DATABASE_URL: DB,
      DATABASE_POOL_MAX: "25",
      OPSDECK_TRUST_PROXY: "true",
      OPSDECK_GROUP_MAP: '{"ops":{"team":"platform","role":"admin"},"root":{"globalAdmin":true}}',
    });
    expect(e).toMatchObject({
      NODE_ENV: "development",
      DATABASE_POOL_MAX: 25,
      OPSDECK_TRUST_PROXY: true,
      AUTH_URL: "http://localhost:3000",
      PORT: 3000,
      oidc: null,
      OPSDECK_GROUP_MAP: { ops: { team: "platform", role: "admin" }, root: { globalAdmin: true } },
    });
    expect(parseEnv({ DATABASE_URL: DB }).OPSDECK_TRUST_PROXY).toBe(false);
    expect(parseEnv({ DATABASE_URL: DB }).OPSDECK_GROUP_MAP).toEqual({});
  });
});
