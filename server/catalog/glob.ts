/**
 * A small glob matcher for OPSDECK_CATALOG_PATHS and Location targets (Node 20 has no fs.glob):
 * `**` any number of path segments, `*` and `?` within a segment, `{a,b}` alternatives. Paths use `/`.
 */
export function isGlob(p: string): boolean {
  return /[*?{]/.test(p);
}

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:[^/]*/)*" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end < 0) re += "\\{";
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(",")
          .map((alt) => alt.replace(/[.+^$()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]"))
          .join("|")})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The directory part of a glob before its first wildcard segment. */
export function globBase(glob: string): string {
  const parts = glob.split("/");
  const idx = parts.findIndex((p) => isGlob(p));
  const base = parts.slice(0, idx < 0 ? parts.length : idx).join("/");
  return base || (glob.startsWith("/") ? "/" : ".");
}
