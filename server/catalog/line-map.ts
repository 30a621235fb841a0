import type { MappedDocument } from "./parse";

/**
 * Line lookup for a document mapped from another vendor's format: a Backstage field path is translated to the source
 * file's path by `table` (keyed by the path's string parts, e.g. "spec.owner"); unmapped fields point at `fallback`.
 */
export function translatedLineOf(
  sourceLineOf: (p: (string | number)[]) => number | null,
  table: Record<string, (string | number)[]>,
  fallback: (string | number)[],
): MappedDocument["lineOf"] {
  return (p) => sourceLineOf(table[p.filter((x) => typeof x === "string").join(".")] ?? fallback);
}
