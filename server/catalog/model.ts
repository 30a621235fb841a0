import type { Kind, StoredRelationType } from "./refs";

export type EntityLink = { url: string; title?: string; icon?: string; type?: string };

/** A relation as declared by a descriptor, in its stored direction. */
export type DeclaredRelation = { type: StoredRelationType; fromRef: string; toRef: string; line: number | null };

export type DescriptorFormat = "backstage" | "opslevel" | "cortex";

/** One entity read from a descriptor, normalised: what the ingest writes to Entity + EntityRelation. */
export type CatalogEntity = {
  kind: Kind;
  namespace: string;
  name: string;
  /** Canonical lowercase `kind:namespace/name`. */
  ref: string;
  title: string | null;
  description: string;
  type: string | null;
  lifecycle: string | null;
  ownerRef: string | null;
  systemRef: string | null;
  tags: string[];
  metadata: { annotations: Record<string, string>; labels: Record<string, string>; links: EntityLink[] };
  spec: Record<string, unknown>;
  relations: DeclaredRelation[];
  format: DescriptorFormat;
  file: string;
  line: number | null;
  /** Location entities: the targets to read next (relative to the descriptor). */
  locationTargets: string[];
  /** sha256 over the normalised entity (file and line included): unchanged entities are not rewritten. */
  etag: string;
};
