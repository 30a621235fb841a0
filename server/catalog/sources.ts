import { execFileSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { DEFAULT_MAX_FILE_BYTES } from "./parse";
import { globBase, globToRegExp, isGlob } from "./glob";

/**
 * Reading descriptor files from a location. Three kinds:
 *  - dir:    a directory (every catalog-info.yaml/.yml, opslevel.yml, cortex.yaml below it) or a glob;
 *  - git:    a local git working copy, read at HEAD (committed content only: uncommitted edits are not published);
 *  - upload: one file whose text is stored on the Location row.
 * Nothing outside the location's root is ever read: Location targets and $text placeholders that resolve outside it
 * (`../../etc/passwd`, symlinks out) are refused.
 */

export const DESCRIPTOR_FILE_RE = /(^|\/)(catalog-info\.ya?ml|[^/]+\.catalog-info\.ya?ml|opslevel\.ya?ml|cortex\.ya?ml)$/i;
const SKIP_DIRS = new Set([".git", "node_modules", ".next", ".data", "dist", "build", "vendor"]);
export const MAX_FILES_PER_LOCATION = 20_000;

export type SourceFile = { path: string; text: string } | { path: string; error: string };

export interface LocationSource {
  /** The files the location names (not yet including Location-entity targets). */
  list(): SourceFile[];
  /** Reads `target` relative to the directory of `fromFile`; throws (with a plain message) outside the root or if missing. */
  readRelative(fromFile: string, target: string): string;
  /** Lists files matching a target (path or glob) relative to `fromFile`, for Location entities. */
  resolveTarget(fromFile: string, target: string): SourceFile[];
}

export type LocationSpec = { kind: "dir" | "git" | "upload"; target: string; content?: string | null };

export function openSource(loc: LocationSpec, opts: { maxBytes?: number; cwd?: string } = {}): LocationSource {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (loc.kind === "upload") return uploadSource(loc.target, loc.content ?? "");
  if (loc.kind === "git") return gitSource(path.resolve(opts.cwd ?? process.cwd(), loc.target), maxBytes);
  return dirSource(path.resolve(opts.cwd ?? process.cwd(), loc.target), maxBytes);
}

function uploadSource(name: string, content: string): LocationSource {
  return {
    list: () => [{ path: name, text: content }],
    readRelative: () => {
      throw new Error("uploaded files cannot reference other files");
    },
    resolveTarget: () => [{ path: name, error: "an uploaded file cannot reference other files" }],
  };
}

/** Normalises `target` relative to `fromFile` inside the root; null if it escapes. */
function relativeInside(fromFile: string, target: string): string | null {
  if (path.isAbsolute(target) || /^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), target));
  if (joined.startsWith("../") || joined === ".." || path.posix.isAbsolute(joined)) return null;
  return joined.replace(/^\.\//, "");
}

function dirSource(target: string, maxBytes: number): LocationSource {
  const glob = isGlob(target);
  const root = glob ? path.resolve(globBase(target)) : target;
  const matcher = glob ? globToRegExp(path.relative(root, target).split(path.sep).join("/")) : null;
  let realRoot: string | null = null;
  const rootReal = () => (realRoot ??= realpathSync(root));

  const readInside = (rel: string): SourceFile => {
    const abs = path.join(root, rel);
    try {
      const real = realpathSync(abs);
      if (real !== rootReal() && !real.startsWith(rootReal() + path.sep)) return { path: rel, error: "the file is outside the location (symlink)" };
      const st = statSync(real);
      if (!st.isFile()) return { path: rel, error: "not a regular file" };
      if (st.size > maxBytes) return { path: rel, text: readHead(real, maxBytes + 1) };
      return { path: rel, text: readFileSync(real, "utf8") };
    } catch (err) {
      return { path: rel, error: (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message };
    }
  };

  const walk = (match: (rel: string) => boolean): string[] => {
    const out: string[] = [];
    const stack = [""];
    while (stack.length && out.length < MAX_FILES_PER_LOCATION) {
      const rel = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(path.join(root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of entries) {
        const childRel = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (!SKIP_DIRS.has(d.name)) stack.push(childRel);
        } else if ((d.isFile() || d.isSymbolicLink()) && match(childRel)) out.push(childRel);
      }
    }
    return out.sort();
  };

  return {
    list() {
      if (!existsSync(root)) return [{ path: ".", error: `directory ${root} does not exist` }];
      if (!statSync(root).isDirectory()) {
        // A single file named directly.
        return [{ path: path.basename(root), text: readFileSync(root, "utf8") }];
      }
      return walk((rel) => (matcher ? matcher.test(rel) : DESCRIPTOR_FILE_RE.test(rel))).map(readInside);
    },
    readRelative(fromFile, t) {
      const rel = relativeInside(fromFile, t);
      if (!rel) throw new Error("the path leaves the location's directory");
      const f = readInside(rel);
      if ("error" in f) throw new Error(f.error);
      return f.text;
    },
    resolveTarget(fromFile, t) {
      if (isGlob(t)) {
        const relGlob = relativeInside(fromFile, t);
        if (!relGlob) return [{ path: t, error: "the target leaves the location's directory" }];
        const re = globToRegExp(relGlob);
        return walk((rel) => re.test(rel)).map(readInside);
      }
      const rel = relativeInside(fromFile, t);
      if (!rel) return [{ path: t, error: /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? "remote targets are not supported (offline)" : "the target leaves the location's directory" }];
      return [readInside(rel)];
    },
  };
}

/** The first `n` bytes of a file (enough for the parser to see it is too large without reading all of it). */
function readHead(file: string, n: number): string {
  const buf = Buffer.alloc(n);
  const fd = openSync(file, "r");
  try {
    return buf.subarray(0, readSync(fd, buf, 0, n, 0)).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function gitSource(repo: string, maxBytes: number): LocationSource {
  const git = (args: string[]) => execFileSync("git", ["-C", repo, ...args], { maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  let files: string[] | null = null;
  const tree = () => {
    files ??= git(["ls-tree", "-r", "-z", "--name-only", "HEAD"]).toString("utf8").split("\0").filter(Boolean);
    return files;
  };
  const show = (rel: string): SourceFile => {
    try {
      const size = Number(git(["cat-file", "-s", `HEAD:${rel}`]).toString().trim());
      if (size > maxBytes) return { path: rel, text: git(["cat-file", "blob", `HEAD:${rel}`]).subarray(0, maxBytes + 1).toString("utf8") };
      return { path: rel, text: git(["cat-file", "blob", `HEAD:${rel}`]).toString("utf8") };
    } catch {
      return { path: rel, error: "file not found at HEAD" };
    }
  };
  return {
    list() {
      try {
        return tree().filter((f) => DESCRIPTOR_FILE_RE.test(f)).slice(0, MAX_FILES_PER_LOCATION).map(show);
      } catch (err) {
        const msg = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
        return [{ path: ".", error: `cannot read the git repository at ${repo} (HEAD): ${msg.split("\n")[0]}` }];
      }
    },
    readRelative(fromFile, t) {
      const rel = relativeInside(fromFile, t);
      if (!rel) throw new Error("the path leaves the repository");
      const f = show(rel);
      if ("error" in f) throw new Error(f.error);
      return f.text;
    },
    resolveTarget(fromFile, t) {
      const rel = relativeInside(fromFile, t);
      if (!rel) return [{ path: t, error: "the target leaves the repository" }];
      if (isGlob(t)) {
        const re = globToRegExp(rel);
        return tree().filter((f) => re.test(f)).map(show);
      }
      return [show(rel)];
    },
  };
}
