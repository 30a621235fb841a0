/**
 * Problems found while reading descriptors. Parsing never throws: every problem is one of these, with the file and
 * (where known) the 1-based line, so the UI can show them per location.
 */
export const CATALOG_ERROR_CODES = [
  "file_too_large",
  "file_unreadable",
  "yaml_syntax",
  "not_an_object",
  "unknown_api_version",
  "unknown_kind",
  "missing_field",
  "invalid_field",
  "invalid_name",
  "invalid_ref",
  "placeholder_failed",
  "duplicate_in_location",
  "duplicate_across_locations",
  "dangling_ref",
  "orphan_removed",
  "location_target",
  "too_many_documents",
] as const;

export type CatalogErrorCode = (typeof CATALOG_ERROR_CODES)[number];
export type Severity = "error" | "warning";

export type CatalogProblem = {
  code: CatalogErrorCode;
  severity: Severity;
  /** Path of the file inside its location (or the upload's file name). */
  file: string;
  /** 1-based line, when known. */
  line: number | null;
  message: string;
  /** The entity the problem concerns, when it could be identified. */
  entityRef?: string | null;
};

export function problem(
  code: CatalogErrorCode,
  file: string,
  line: number | null,
  message: string,
  extra: { severity?: Severity; entityRef?: string | null } = {},
): CatalogProblem {
  return { code, severity: extra.severity ?? "error", file, line, message, entityRef: extra.entityRef ?? null };
}
