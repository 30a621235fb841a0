import { createHash } from "node:crypto";
import { RESOURCES, groupVersion, type ApiResource } from "./resources";

// Discovery documents (/api, /apis, /api/v1, /apis/<group>, /apis/<group>/<version>, /version) in the legacy
// (non-aggregated) format. Newer clients that ask for aggregated discovery accept these too and fall back.

export const SERVER_VERSION = {
  major: "1",
  minor: "20",
  gitVersion: "v1.20.2+opsdeck-demo",
  gitCommit: "faecb196815e248d3ecfb03c680a4507229c2a56",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.19.8",
  compiler: "gc",
  platform: "linux/amd64",
};

const GROUPS = [...new Set(RESOURCES.map((r) => r.group).filter(Boolean))];

export function apiVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(name: string) {
  const versions = [...new Set(RESOURCES.filter((r) => r.group === name).map((r) => r.version))].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions, preferredVersion: versions[0]! };
}

export function apiGroupList() {
  return { kind: "APIGroupList", apiVersion: "v1", groups: GROUPS.map(apiGroup) };
}

export function apiGroupDoc(name: string) {
  return GROUPS.includes(name) ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(name) } : null;
}

function storageVersionHash(r: ApiResource): string {
  return createHash("sha256").update(`${r.group}/${r.version}/${r.kind}`).digest("base64").slice(0, 12);
}

export function apiResourceList(group: string, version: string) {
  const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return null;
  const resources = rs.flatMap((r) => [
    {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    },
    ...r.subresources.map((s) => ({
      name: `${r.plural}/${s.name}`,
      singularName: "",
      namespaced: r.namespaced,
      ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs,
    })),
  ]);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion({ group, version }), resources };
}

// /openapi/v2: a document without definitions. kubectl fetches it (as protobuf) before `apply`/`create -f` to validate
// manifests; with no schema for a kind it skips validation and falls back to its built-in types, so apply works.
const OPENAPI_INFO = { title: "Opsdeck demo cluster", version: SERVER_VERSION.gitVersion };

export function openApiV2Json() {
  return { swagger: "2.0", info: OPENAPI_INFO, paths: {}, definitions: {} };
}

/** The same document in gnostic's protobuf encoding (Document{swagger=1, info=2{title=1, version=2}}). */
export function openApiV2Protobuf(): Buffer {
  const field = (no: number, payload: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2]), varint(payload.length), payload]);
  const str = (no: number, s: string) => field(no, Buffer.from(s, "utf8"));
  return Buffer.concat([str(1, "2.0"), field(2, Buffer.concat([str(1, OPENAPI_INFO.title), str(2, OPENAPI_INFO.version)]))]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
