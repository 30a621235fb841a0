import { ExprError, evaluate, parseExpr, toText, type Node, type Value } from "./expr";

/**
 * `{{ expr }}` templates in step fields (http url/headers/body, kubernetes fields, env values, approval messages).
 * Escaping depends on where the text goes:
 *  - "text"   value as text (env values, messages — data, never code);
 *  - "url"    each substitution percent-encoded (encodeURIComponent), except one at the very start of the URL (the
 *             base, e.g. `{{ params.url }}/health`); the result must still be an http(s) URL;
 *  - "header" CR/LF refused (no header injection);
 *  - renderValue: a field that is exactly one `{{ expr }}` keeps the value's type (numbers, lists in JSON bodies).
 * JSON bodies are rendered value by value and serialised by JSON.stringify, so quotes in parameters stay data.
 */

export type Template = { parts: (string | Node)[]; source: string };

export function parseTemplate(source: string): Template {
  const parts: (string | Node)[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    if (open > i) parts.push(source.slice(i, open));
    const close = source.indexOf("}}", open + 2);
    if (close < 0) throw new ExprError('"{{" without a closing "}}"', open);
    try {
      parts.push(parseExpr(source.slice(open + 2, close).trim()));
    } catch (e) {
      if (e instanceof ExprError) throw new ExprError(e.message, open + 2 + e.offset);
      throw e;
    }
    i = close + 2;
  }
  return { parts, source };
}

export function hasTemplate(s: string): boolean {
  return s.includes("{{");
}

export class TemplateError extends Error {}

export type RenderMode = "text" | "url" | "header";

export function renderTemplate(t: Template, scope: Record<string, Value>, mode: RenderMode = "text"): string {
  let out = "";
  t.parts.forEach((p, i) => {
    if (typeof p === "string") {
      out += p;
      return;
    }
    const text = toText(evaluate(p, scope));
    if (mode === "url") out += i === 0 ? text : encodeURIComponent(text);
    else if (mode === "header") {
      if (/[\r\n\0]/.test(text)) throw new TemplateError(`a header value may not contain line breaks (from {{ … }} in ${JSON.stringify(t.source)})`);
      out += text;
    } else out += text;
  });
  if (mode === "url") {
    let u: URL;
    try {
      u = new URL(out);
    } catch {
      throw new TemplateError(`not a valid URL: ${JSON.stringify(out.slice(0, 200))}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new TemplateError(`only http and https URLs are allowed, not ${u.protocol}`);
  }
  return out;
}

/** A field that is exactly `{{ expr }}` gives the value itself; anything else is text. */
export function renderValue(t: Template, scope: Record<string, Value>): Value {
  if (t.parts.length === 1 && typeof t.parts[0] !== "string") return evaluate(t.parts[0]!, scope);
  return renderTemplate(t, scope, "text");
}

/** Renders every string inside a JSON-like structure (objects, lists) with renderValue; keys stay literal. */
export function renderDeep(v: unknown, scope: Record<string, Value>): Value {
  if (typeof v === "string") return hasTemplate(v) ? renderValue(parseTemplate(v), scope) : v;
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, scope));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderDeep(x, scope)]));
  return (v ?? null) as Value;
}

/** Every template inside a JSON-like structure, with its path (for validation at load time). */
export function templatesIn(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; source: string }[] {
  if (typeof v === "string") return hasTemplate(v) ? [{ path, source: v }] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => templatesIn(x, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => templatesIn(x, [...path, k]));
  return [];
}
