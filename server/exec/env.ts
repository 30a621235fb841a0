/**
 * The child's environment: nothing is inherited unless allow-listed. Parameters arrive as PARAM_<NAME> variables — the
 * only safe way to hand user input to a shell command (the shell expands "$PARAM_X" as data, never as code).
 */

/** Variables passed through from this process by default: enough for tools to find themselves and print UTF-8. */
export const DEFAULT_ENV_ALLOW = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "KUBECONFIG"] as const;

export type ChildEnvSpec = {
  /** Names taken from `from` (default process.env). Default DEFAULT_ENV_ALLOW. */
  allow?: readonly string[];
  /** Explicit variables (override allow-listed ones). */
  set?: Record<string, string>;
  /** Parameters: each becomes PARAM_<NAME> (see paramEnvName). */
  params?: Record<string, string>;
  /** Where allow-listed values come from (default process.env). */
  from?: Record<string, string | undefined>;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `service-name` → `PARAM_SERVICE_NAME`. */
export function paramEnvName(name: string): string {
  return `PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

export class EnvError extends Error {}

export function buildChildEnv(spec: ChildEnvSpec = {}): Record<string, string> {
  const from = spec.from ?? process.env;
  const out: Record<string, string> = {};
  for (const name of spec.allow ?? DEFAULT_ENV_ALLOW) {
    const v = from[name];
    if (v !== undefined) out[name] = v;
  }
  const put = (name: string, value: string) => {
    if (!ENV_NAME.test(name)) throw new EnvError(`invalid environment variable name: ${JSON.stringify(name)}`);
    // A NUL byte cannot be represented in an environment block; refusing beats silently truncating the value.
    if (value.includes("\0")) throw new EnvError(`environment variable ${name} contains a NUL byte`);
    out[name] = value;
  };
  for (const [k, v] of Object.entries(spec.set ?? {})) put(k, v);
  for (const [k, v] of Object.entries(spec.params ?? {})) put(paramEnvName(k), v);
  return out;
}
