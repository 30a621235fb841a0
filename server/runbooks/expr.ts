/**
 * A small, safe expression language for step conditions (`if:`, `wait.until`) and templates (`{{ … }}`).
 * Parsed into an AST and interpreted — no eval, no prototype access, no side effects, bounded size.
 *
 *   literals   42  1.5  "text"  'text'  true  false  null
 *   paths      params.service   steps.check.status   steps.check.json.items[0].name   run.failed
 *   operators  ||  &&  !  ==  !=  <  <=  >  >=  +  -   (|| and && return an operand, as in JavaScript)
 *   words      a contains b   a startsWith b   a endsWith b   a in b   a matches "regex"
 *   functions  len(x)  lower(s)  upper(s)  trim(s)  string(x)  number(x)  json(s)
 *
 * Truthiness: false, null, 0, "", [] are false. `==` compares a number with a numeric string numerically; otherwise
 * values of different types are unequal. `matches` takes a literal pattern (checked when the runbook is loaded).
 */

export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

export type Node =
  | { k: "lit"; v: Value }
  | { k: "id"; name: string }
  | { k: "get"; obj: Node; key: Node }
  | { k: "un"; op: "!" | "-"; arg: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "call"; fn: string; args: Node[] };

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "ExprError";
  }
}

export const ROOTS = ["params", "steps", "run", "opsdeck"] as const;
const FUNCTIONS = new Set(["len", "lower", "upper", "trim", "string", "number", "json"]);
const WORD_OPS = new Set(["contains", "startsWith", "endsWith", "in", "matches"]);
const MAX_EXPR_LENGTH = 2000;
const MAX_NODES = 200;
const MAX_MATCH_INPUT = 65_536;

type Tok = { t: "num" | "str" | "id" | "op" | "end"; v: string; at: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0], at });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      let s = "";
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === "\\") {
          const n = src[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'" };
          if (n === undefined || !(n in map)) throw new ExprError(`unknown escape \\${n ?? ""}`, i);
          s += map[n];
          i += 2;
        } else s += src[i++];
      }
      if (src[i] !== c) throw new ExprError("unterminated string", at);
      i++;
      out.push({ t: "str", v: s, at });
    } else if (/[A-Za-z_]/.test(c)) {
      // No "-" in names: `a-b` is a subtraction (step ids are snake_case; steps["x-y"] reaches any key).
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0], at });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
        out.push({ t: "op", v: two, at });
        i += 2;
      } else if ("<>!+-.()[],".includes(c)) {
        out.push({ t: "op", v: c, at });
        i++;
      } else throw new ExprError(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  out.push({ t: "end", v: "", at: src.length });
  return out;
}

/** Parses an expression; throws ExprError with the offset of the problem. */
export function parseExpr(src: string): Node {
  if (src.length > MAX_EXPR_LENGTH) throw new ExprError(`expression longer than ${MAX_EXPR_LENGTH} characters`, 0);
  const toks = tokenize(src);
  let p = 0;
  let nodes = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const isOp = (v: string) => peek().t === "op" && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected "${v}"${peek().t === "end" ? " before the end" : ` at ${JSON.stringify(peek().v)}`}`, peek().at);
    next();
  };
  const mk = (n: Node): Node => {
    if (++nodes > MAX_NODES) throw new ExprError(`expression too complex (more than ${MAX_NODES} parts)`, 0);
    return n;
  };

  const or = (): Node => {
    let l = and();
    while (isOp("||")) {
      next();
      l = mk({ k: "bin", op: "||", l, r: and() });
    }
    return l;
  };
  const and = (): Node => {
    let l = not();
    while (isOp("&&")) {
      next();
      l = mk({ k: "bin", op: "&&", l, r: not() });
    }
    return l;
  };
  const not = (): Node => {
    if (isOp("!")) {
      next();
      return mk({ k: "un", op: "!", arg: not() });
    }
    return cmp();
  };
  const cmp = (): Node => {
    const l = add();
    const tk = peek();
    const isCmp = (tk.t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(tk.v)) || (tk.t === "id" && WORD_OPS.has(tk.v));
    if (!isCmp) return l;
    next();
    const r = add();
    if (tk.v === "matches") {
      if (r.k !== "lit" || typeof r.v !== "string") throw new ExprError("matches needs a string literal pattern", tk.at);
      try {
        new RegExp(r.v, "u");
      } catch (e) {
        throw new ExprError(`invalid pattern: ${(e as Error).message}`, tk.at);
      }
    }
    return mk({ k: "bin", op: tk.v, l, r });
  };
  const add = (): Node => {
    let l = unary();
    while (isOp("+") || isOp("-")) {
      const op = next().v;
      l = mk({ k: "bin", op, l, r: unary() });
    }
    return l;
  };
  const unary = (): Node => {
    if (isOp("-")) {
      next();
      return mk({ k: "un", op: "-", arg: unary() });
    }
    return postfix();
  };
  const postfix = (): Node => {
    let n = primary();
    for (;;) {
      if (isOp(".")) {
        next();
        const id = next();
        if (id.t !== "id") throw new ExprError("expected a field name after \".\"", id.at);
        n = mk({ k: "get", obj: n, key: { k: "lit", v: id.v } });
      } else if (isOp("[")) {
        next();
        const key = or();
        expect("]");
        n = mk({ k: "get", obj: n, key });
      } else return n;
    }
  };
  const primary = (): Node => {
    const tk = next();
    if (tk.t === "num") return mk({ k: "lit", v: Number(tk.v) });
    if (tk.t === "str") return mk({ k: "lit", v: tk.v });
    if (tk.t === "op" && tk.v === "(") {
      const e = or();
      expect(")");
      return e;
    }
    if (tk.t === "id") {
      if (tk.v === "true" || tk.v === "false") return mk({ k: "lit", v: tk.v === "true" });
      if (tk.v === "null") return mk({ k: "lit", v: null });
      if (isOp("(")) {
        if (!FUNCTIONS.has(tk.v)) throw new ExprError(`unknown function ${tk.v}() (known: ${[...FUNCTIONS].join(", ")})`, tk.at);
        next();
        const args: Node[] = [];
        if (!isOp(")")) {
          args.push(or());
          while (isOp(",")) {
            next();
            args.push(or());
          }
        }
        expect(")");
        if (args.length !== 1) throw new ExprError(`${tk.v}() takes one argument`, tk.at);
        return mk({ k: "call", fn: tk.v, args });
      }
      if (!(ROOTS as readonly string[]).includes(tk.v)) throw new ExprError(`unknown name ${JSON.stringify(tk.v)} (use ${ROOTS.join(", ")})`, tk.at);
      return mk({ k: "id", name: tk.v });
    }
    throw new ExprError(tk.t === "end" ? "expression ends too early" : `unexpected ${JSON.stringify(tk.v)}`, tk.at);
  };

  const root = or();
  if (peek().t !== "end") throw new ExprError(`unexpected ${JSON.stringify(peek().v)}`, peek().at);
  return root;
}

/** Static member paths like ["steps", "check", "status"] used by an expression (for "refers to an earlier step" checks). */
export function pathsOf(node: Node): string[][] {
  const out: string[][] = [];
  const chain = (n: Node): string[] | null => {
    if (n.k === "id") return [n.name];
    if (n.k === "get" && n.key.k === "lit" && typeof n.key.v === "string") {
      const base = chain(n.obj);
      return base ? [...base, n.key.v] : null;
    }
    return null;
  };
  const walk = (n: Node) => {
    const c = chain(n);
    if (c) {
      out.push(c);
      return;
    }
    if (n.k === "get") {
      walk(n.obj);
      walk(n.key);
    } else if (n.k === "un") walk(n.arg);
    else if (n.k === "bin") {
      walk(n.l);
      walk(n.r);
    } else if (n.k === "call") n.args.forEach(walk);
  };
  walk(node);
  return out;
}

export function truthy(v: Value | undefined): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function typeName(v: Value | undefined): string {
  return v === null || v === undefined ? "null" : Array.isArray(v) ? "list" : typeof v === "object" ? "object" : typeof v;
}

function numeric(v: Value | undefined): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return null;
}

function equal(a: Value | undefined, b: Value | undefined): boolean {
  if (typeof a === "number" || typeof b === "number") {
    const x = numeric(a);
    const y = numeric(b);
    return x !== null && y !== null && x === y;
  }
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function toText(v: Value | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Evaluates an AST against a scope (plain JSON data). Throws ExprError on type errors. */
export function evaluate(node: Node, scope: Record<string, Value>): Value {
  const ev = (n: Node): Value => {
    switch (n.k) {
      case "lit":
        return n.v;
      case "id":
        return Object.hasOwn(scope, n.name) ? scope[n.name]! : null;
      case "get": {
        const obj = ev(n.obj);
        const key = ev(n.key);
        if (Array.isArray(obj)) {
          const i = numeric(key);
          return i !== null && Number.isInteger(i) && i >= 0 && i < obj.length ? obj[i]! : null;
        }
        if (obj && typeof obj === "object" && typeof key === "string") return Object.hasOwn(obj, key) ? obj[key]! : null;
        return null;
      }
      case "un": {
        const v = ev(n.arg);
        if (n.op === "!") return !truthy(v);
        const x = numeric(v);
        if (x === null) throw new ExprError(`cannot negate a ${typeName(v)}`, 0);
        return -x;
      }
      case "call": {
        const v = ev(n.args[0]!);
        switch (n.fn) {
          case "len":
            return Array.isArray(v) ? v.length : typeof v === "string" ? v.length : v && typeof v === "object" ? Object.keys(v).length : 0;
          case "lower":
            return toText(v).toLowerCase();
          case "upper":
            return toText(v).toUpperCase();
          case "trim":
            return toText(v).trim();
          case "string":
            return toText(v);
          case "number": {
            const x = numeric(v);
            return x === null ? null : x;
          }
          case "json":
            try {
              return JSON.parse(toText(v)) as Value;
            } catch {
              return null;
            }
        }
        throw new ExprError(`unknown function ${n.fn}`, 0);
      }
      case "bin": {
        if (n.op === "||") {
          const l = ev(n.l);
          return truthy(l) ? l : ev(n.r);
        }
        if (n.op === "&&") {
          const l = ev(n.l);
          return truthy(l) ? ev(n.r) : l;
        }
        const l = ev(n.l);
        const r = ev(n.r);
        switch (n.op) {
          case "==":
            return equal(l, r);
          case "!=":
            return !equal(l, r);
          case "<":
          case "<=":
          case ">":
          case ">=": {
            const x = numeric(l);
            const y = numeric(r);
            let c: number;
            if (x !== null && y !== null) c = x - y;
            else if (typeof l === "string" && typeof r === "string") c = l < r ? -1 : l > r ? 1 : 0;
            else throw new ExprError(`cannot compare a ${typeName(l)} with a ${typeName(r)}`, 0);
            return n.op === "<" ? c < 0 : n.op === "<=" ? c <= 0 : n.op === ">" ? c > 0 : c >= 0;
          }
          case "+": {
            const x = numeric(l);
            const y = numeric(r);
            if (typeof l === "number" && typeof r === "number") return l + r;
            if (x !== null && y !== null && typeof l !== "string" && typeof r !== "string") return x + y;
            return toText(l) + toText(r);
          }
          case "-": {
            const x = numeric(l);
            const y = numeric(r);
            if (x === null || y === null) throw new ExprError(`cannot subtract a ${typeName(r)} from a ${typeName(l)}`, 0);
            return x - y;
          }
          case "contains":
            if (Array.isArray(l)) return l.some((x) => equal(x, r));
            if (l && typeof l === "object") return typeof r === "string" && Object.hasOwn(l, r);
            return toText(l).includes(toText(r));
          case "in":
            if (Array.isArray(r)) return r.some((x) => equal(x, l));
            if (r && typeof r === "object") return typeof l === "string" && Object.hasOwn(r, l);
            return toText(r).includes(toText(l));
          case "startsWith":
            return toText(l).startsWith(toText(r));
          case "endsWith":
            return toText(l).endsWith(toText(r));
          case "matches":
            return new RegExp(toText(r), "u").test(toText(l).slice(0, MAX_MATCH_INPUT));
        }
        throw new ExprError(`unknown operator ${n.op}`, 0);
      }
    }
  };
  return ev(node);
}

/** Parse and evaluate in one go (tests, one-off checks). */
export function evalExpr(src: string, scope: Record<string, Value>): Value {
  return evaluate(parseExpr(src), scope);
}
