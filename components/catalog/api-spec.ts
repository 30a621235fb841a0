/**
 * Reads an API definition's text (OpenAPI 2/3, AsyncAPI 2/3; JSON or YAML) into a small summary the UI can list.
 * Pure: the YAML parser is passed in, so the page can load it lazily and tests can call this directly.
 */

export type Operation = { method: string; path: string; summary: string; operationId: string | null; deprecated: boolean };
export type Channel = { name: string; operations: { action: string; summary: string }[] };
export type ApiSummary =
  | { format: "openapi"; version: string; title: string | null; apiVersion: string | null; description: string | null; servers: string[]; operations: Operation[]; truncated: boolean }
  | { format: "asyncapi"; version: string; title: string | null; apiVersion: string | null; description: string | null; servers: string[]; channels: Channel[]; truncated: boolean }
  | { format: "other"; reason: string };

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export const MAX_OPERATIONS = 300;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : null);

export function parseDefinitionText(text: string, parseYaml: (s: string) => unknown): { value: unknown; error: string | null } {
  const t = text.trim();
  if (!t) return { value: null, error: "The definition is empty" };
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return { value: JSON.parse(t), error: null };
    } catch {
      /* fall through: YAML is a superset of JSON and reports better positions */
    }
  }
  try {
    return { value: parseYaml(t), error: null };
  } catch (err) {
    return { value: null, error: (err as Error).message.split("\n")[0] ?? "Not valid YAML or JSON" };
  }
}

function servers(doc: Obj): string[] {
  if (Array.isArray(doc.servers)) return doc.servers.flatMap((s) => (isObj(s) && str(s.url) ? [str(s.url)!] : []));
  if (isObj(doc.servers)) return Object.entries(doc.servers).map(([k, s]) => (isObj(s) ? `${k}: ${str(s.url) ?? str(s.host) ?? ""}` : k));
  if (str(doc.host)) return [`${str(doc.basePath) ? `${doc.host}${doc.basePath}` : doc.host}`];
  return [];
}

export function summarizeApi(value: unknown): ApiSummary {
  if (!isObj(value)) return { format: "other", reason: "The definition is not an object" };
  const info = isObj(value.info) ? value.info : {};
  const common = { title: str(info.title), apiVersion: str(info.version), description: str(info.description), servers: servers(value) };
  const oas = str(value.openapi) ?? str(value.swagger);
  if (oas) {
    const ops: Operation[] = [];
    let truncated = false;
    for (const [path, item] of Object.entries(isObj(value.paths) ? value.paths : {})) {
      if (!isObj(item)) continue;
      for (const m of METHODS) {
        const op = item[m];
        if (!isObj(op)) continue;
        if (ops.length >= MAX_OPERATIONS) {
          truncated = true;
          break;
        }
        ops.push({ method: m.toUpperCase(), path, summary: str(op.summary) ?? str(op.description) ?? "", operationId: str(op.operationId), deprecated: op.deprecated === true });
      }
    }
    return { format: "openapi", version: oas, ...common, operations: ops, truncated };
  }
  const asyncVersion = str(value.asyncapi);
  if (asyncVersion) {
    const channels: Channel[] = [];
    const chans = isObj(value.channels) ? value.channels : {};
    for (const [name, ch] of Object.entries(chans)) {
      if (!isObj(ch)) continue;
      const operations = (["publish", "subscribe"] as const).flatMap((a) => (isObj(ch[a]) ? [{ action: a, summary: str((ch[a] as Obj).summary) ?? "" }] : []));
      channels.push({ name: str(ch.address) ?? name, operations });
    }
    // AsyncAPI 3: operations live at the top level and point at channels.
    if (isObj(value.operations)) {
      for (const [id, op] of Object.entries(value.operations)) {
        if (!isObj(op)) continue;
        const ref = isObj(op.channel) ? str(op.channel.$ref) : null;
        const chName = ref ? ref.split("/").pop()! : id;
        const target = channels.find((c) => c.name === chName || c.name === str((chans[chName] as Obj | undefined)?.address));
        const entry = { action: str(op.action) ?? "operation", summary: str(op.summary) ?? id };
        if (target) target.operations.push(entry);
        else channels.push({ name: chName, operations: [entry] });
      }
    }
    return { format: "asyncapi", version: asyncVersion, ...common, channels: channels.slice(0, MAX_OPERATIONS), truncated: channels.length > MAX_OPERATIONS };
  }
  return { format: "other", reason: "Not an OpenAPI or AsyncAPI document" };
}
