import type { IncomingMessage, ServerResponse } from "node:http";
import { ResourceApi, type DeleteOptions } from "./api";
import type { Cluster } from "./cluster";
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, openApiV2Json, openApiV2Protobuf, SERVER_VERSION } from "./discovery";
import { ApiError, badRequest, methodNotAllowed, notFound, unauthorized } from "./errors";
import { serveLogs } from "./logs";
import { applyPatch, patchTypeOf } from "./patch";
import { findResource, groupVersion, type ApiResource } from "./resources";
import { partialMetadata, toTable, type TableIncludeObject } from "./table";
import type { KObject, Pod } from "./types";
import { serveWatch } from "./watch";

// HTTP routing for the Kubernetes REST API: /api/v1/..., /apis/<group>/<version>/..., discovery, /version and health
// checks. Responses are JSON (Table / PartialObjectMetadata when the Accept header asks for them, as kubectl does);
// every error is a Status object with the matching HTTP code, and a bad request never takes the server down.

const MAX_BODY = 3 * 1024 * 1024;

type Route = { resource: ApiResource; namespace?: string; name?: string; subresource?: string; legacyWatch: boolean };
type Representation = { as: "object" } | { as: "table"; version: "v1" | "v1beta1"; include: TableIncludeObject } | { as: "partial" };

export type HandlerContext = { cluster: Cluster; token: string; serverAddress: () => string; openWatches: Set<() => void> };

export function createHandler(ctx: HandlerContext) {
  const api = new ResourceApi(ctx.cluster);
  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, ctx, api).catch((err: unknown) => fail(res, err));
  };
}

function fail(res: ServerResponse, err: unknown) {
  const e = err instanceof ApiError ? err : new ApiError(500, "InternalError", `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

function sendJson(res: ServerResponse, code: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, "RequestEntityTooLarge", "the request body is too large");
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, api: ResourceApi) {
  const auth = req.headers.authorization;
  if (auth && auth !== `Bearer ${ctx.token}`) throw unauthorized();
  const url = new URL(req.url ?? "/", "http://demo");
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname.replace(/\/+$/, "") || "/";

  // Health, version, discovery.
  if (["/healthz", "/livez", "/readyz"].includes(path)) {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("ok");
    return;
  }
  if (path === "/version") return sendJson(res, 200, SERVER_VERSION);
  if (path === "/api") return sendJson(res, 200, apiVersions(ctx.serverAddress()));
  if (path === "/apis") return sendJson(res, 200, apiGroupList());
  if (path === "/openapi/v2") {
    if (!(req.headers.accept ?? "").includes("protobuf")) return sendJson(res, 200, openApiV2Json());
    const body = openApiV2Protobuf();
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
    res.end(body);
    return;
  }
  const seg = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (seg[0] === "apis" && seg.length === 2) {
    const doc = apiGroupDoc(seg[1]!);
    return doc ? sendJson(res, 200, doc) : fail(res, new ApiError(404, "NotFound", "the server could not find the requested resource"));
  }
  if ((seg[0] === "api" && seg.length === 2) || (seg[0] === "apis" && seg.length === 3)) {
    const doc = seg[0] === "api" ? apiResourceList("", seg[1]!) : apiResourceList(seg[1]!, seg[2]!);
    return doc ? sendJson(res, 200, doc) : fail(res, new ApiError(404, "NotFound", "the server could not find the requested resource"));
  }

  const route = parseRoute(seg);
  if (!route) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  const q = url.searchParams;
  const rep = representation(req.headers.accept, q);
  const dryRun = q.getAll("dryRun").includes("All");
  const r = route.resource;
  const gv = groupVersion(r);
  const view = (o: KObject): KObject => (r.view ? r.view(o) : o);
  const table = (items: KObject[], listMeta: Record<string, unknown>) =>
    rep.as === "table" ? toTable(r.printer, items, listMeta, { version: rep.version, include: rep.include, view }) : null;
  const one = (o: KObject) => table([o], { resourceVersion: o.metadata.resourceVersion }) ?? (rep.as === "partial" ? partialMetadata(o) : view(o));

  // Watches: of a collection, or (older clients) of one named object.
  const watch = route.legacyWatch || q.get("watch") === "true" || q.get("watch") === "1";
  if (watch && method === "GET" && !route.subresource) {
    return serveWatch(
      req,
      res,
      ctx.cluster,
      api,
      {
        resource: r,
        namespace: route.namespace,
        name: route.name,
        filter: api.filter(r, { labelSelector: q.get("labelSelector"), fieldSelector: q.get("fieldSelector") }),
        resourceVersion: q.get("resourceVersion"),
        timeoutSeconds: intParam(q, "timeoutSeconds"),
        allowBookmarks: q.get("allowWatchBookmarks") === "true",
        sendInitialEvents: q.get("sendInitialEvents") === "true",
        render: one,
      },
      ctx.openWatches,
    );
  }

  // Collections.
  if (!route.name) {
    if (method === "GET") {
      const filterOpts = { labelSelector: q.get("labelSelector"), fieldSelector: q.get("fieldSelector") };
      const page = api.list(r, route.namespace, { ...filterOpts, limit: intParam(q, "limit"), continueToken: q.get("continue") });
      const listMeta = { resourceVersion: page.resourceVersion, ...(page.continueToken ? { continue: page.continueToken, remainingItemCount: page.remaining } : {}) };
      const t = table(page.items, listMeta);
      if (t) return sendJson(res, 200, t);
      if (rep.as === "partial") return sendJson(res, 200, { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: listMeta, items: page.items.map(partialMetadata) });
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: gv, metadata: listMeta, items: page.items.map(view) });
    }
    if (method === "POST") {
      if (r.namespaced && !route.namespace) throw methodNotAllowed("create");
      const created = api.create(r, route.namespace, await readBody(req), { dryRun });
      return sendJson(res, 201, one(created));
    }
    if (method === "DELETE") {
      const opts = deleteOptions(q, await readBody(req), dryRun);
      const page = api.list(r, route.namespace, { labelSelector: q.get("labelSelector"), fieldSelector: q.get("fieldSelector") });
      const deleted = page.items.map((o) => api.delete(r, o.metadata.namespace, o.metadata.name, opts));
      return sendJson(res, 200, { kind: `${r.kind}List`, apiVersion: gv, metadata: { resourceVersion: String(ctx.cluster.store.resourceVersion) }, items: deleted });
    }
    throw methodNotAllowed(method.toLowerCase());
  }

  const name = route.name;
  const ns = route.namespace;
  switch (route.subresource) {
    case undefined:
      switch (method) {
        case "GET":
          return sendJson(res, 200, one(api.get(r, ns, name)));
        case "PUT":
          return sendJson(res, 200, one(api.update(r, ns, name, await readBody(req), { dryRun })));
        case "PATCH":
          return sendJson(res, 200, one(api.patch(r, ns, name, patchTypeOf(req.headers["content-type"]), await readBody(req), { dryRun })));
        case "DELETE": {
          const out = api.delete(r, ns, name, deleteOptions(q, await readBody(req), dryRun));
          return sendJson(res, 200, out && typeof out === "object" && (out as { kind?: string }).kind === "Status" ? out : view(out as KObject));
        }
      }
      throw methodNotAllowed(method.toLowerCase());
    case "scale": {
      if (r.storage !== "deployments" && r.storage !== "replicasets") throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      if (method === "GET") return sendJson(res, 200, api.scaleOf(api.get(r, ns, name)));
      if (method === "PUT") return sendJson(res, 200, api.writeScale(r, ns!, name, await readBody(req), { dryRun }));
      if (method === "PATCH") {
        const type = patchTypeOf(req.headers["content-type"]);
        const body = await readBody(req);
        const patched = applyPatch(api.scaleOf(api.get(r, ns, name)), type, body);
        return sendJson(res, 200, api.writeScale(r, ns!, name, patched, { dryRun }));
      }
      throw methodNotAllowed(method.toLowerCase());
    }
    case "status": {
      if (method === "GET") return sendJson(res, 200, view(api.get(r, ns, name)));
      if (method === "PUT") {
        const body = await readBody(req);
        return sendJson(res, 200, view(api.writeStatus(r, ns, name, (cur) => ({ ...cur, ...(body as object), metadata: { ...cur.metadata, resourceVersion: (body as KObject | undefined)?.metadata?.resourceVersion ?? "" } }), { dryRun })));
      }
      if (method === "PATCH") {
        const type = patchTypeOf(req.headers["content-type"]);
        const body = await readBody(req);
        return sendJson(res, 200, view(api.writeStatus(r, ns, name, (cur) => applyPatch(cur, type, body), { dryRun })));
      }
      throw methodNotAllowed(method.toLowerCase());
    }
    case "log": {
      if (r.storage !== "pods" || method !== "GET") throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      const pod = api.get(r, ns, name) as Pod;
      return serveLogs(req, res, ctx.cluster.store, pod, {
        container: q.get("container"),
        tailLines: intParam(q, "tailLines"),
        sinceSeconds: intParam(q, "sinceSeconds"),
        limitBytes: intParam(q, "limitBytes"),
        timestamps: q.get("timestamps") === "true",
        previous: q.get("previous") === "true",
        follow: q.get("follow") === "true",
      });
    }
    default:
      throw notFound(`${r.plural}/${route.subresource}`, r.group, name);
  }
}

function parseRoute(seg: string[]): Route | null {
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === "api") [group, version, rest] = ["", seg[1]!, seg.slice(2)];
  else if (seg[0] === "apis") [group, version, rest] = [seg[1]!, seg[2]!, seg.slice(3)];
  else return null;
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === "namespaces" && rest.length >= 3) {
    const r = findResource(group, version, rest[2]!);
    if (r?.namespaced) return rest.length <= 5 ? { resource: r, namespace: rest[1], name: rest[3], subresource: rest[4], legacyWatch } : null;
  }
  const r = findResource(group, version, rest[0] ?? "");
  if (!r || rest.length > 3) return null;
  if (r.namespaced && rest.length > 1) return null;
  return { resource: r, name: rest[1], subresource: rest[2], legacyWatch };
}

/** What the client asked for in Accept: a Table (kubectl get), PartialObjectMetadata, or the object itself. */
function representation(accept: string | undefined, q: URLSearchParams): Representation {
  for (const part of (accept ?? "").split(",")) {
    const params = Object.fromEntries(
      part
        .split(";")
        .slice(1)
        .map((p) => p.trim().split("=") as [string, string]),
    );
    if (params.g !== "meta.k8s.io") continue;
    if (params.as === "Table" && (params.v === "v1" || params.v === "v1beta1")) {
      const inc = q.get("includeObject");
      return { as: "table", version: params.v, include: inc === "None" || inc === "Object" ? inc : "Metadata" };
    }
    if ((params.as === "PartialObjectMetadataList" || params.as === "PartialObjectMetadata") && params.v === "v1") return { as: "partial" };
  }
  return { as: "object" };
}

function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`${key}: invalid value ${JSON.stringify(v)}: must be an integer`);
  return n;
}

function deleteOptions(q: URLSearchParams, body: unknown, dryRun: boolean): DeleteOptions {
  const b = (body && typeof body === "object" ? body : {}) as { gracePeriodSeconds?: number; propagationPolicy?: string; dryRun?: string[] };
  const policy = q.get("propagationPolicy") ?? b.propagationPolicy;
  if (policy && !["Orphan", "Background", "Foreground"].includes(policy)) throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}`);
  return {
    gracePeriodSeconds: intParam(q, "gracePeriodSeconds") ?? (typeof b.gracePeriodSeconds === "number" ? b.gracePeriodSeconds : undefined),
    propagationPolicy: policy as DeleteOptions["propagationPolicy"],
    dryRun: dryRun || (Array.isArray(b.dryRun) && b.dryRun.includes("All")),
  };
}
