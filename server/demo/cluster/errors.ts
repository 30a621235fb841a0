// Kubernetes `Status` error objects, shaped as the API server sends them (kubectl and client libraries read `reason`,
// `code`, `message` and `details`).

export type StatusCause = { reason: string; message: string; field: string };
export type StatusDetails = { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };

export type StatusObject = {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
};

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusObject {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

/** `deployments.apps` / `pods`: how the API server names a resource in messages. */
export function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string) =>
  new ApiError(404, "NotFound", `${qualified(plural, group)} "${name}" not found`, { name, group, kind: plural });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new ApiError(409, "AlreadyExists", `${qualified(plural, group)} "${name}" already exists`, { name, group, kind: plural });

export const conflict = (plural: string, group: string, name: string) =>
  new ApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );

export const badRequest = (message: string) => new ApiError(400, "BadRequest", message);

export const methodNotAllowed = (verb: string) => new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${verb})`, {});

export const unsupportedMediaType = (type: string) => new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type || "none"})`);

export const expired = (rv: string | number) => new ApiError(410, "Expired", `too old resource version: ${rv}`);

export const unauthorized = () => new ApiError(401, "Unauthorized", "Unauthorized");

/** 422 with one cause per invalid field; `kind` is the Kind (e.g. "Deployment"), as the API server reports it. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const what = group ? `${kind}.${group}` : kind;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${what} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`;
  return new ApiError(422, "Invalid", message, { name, group, kind, causes });
}

export function successStatus(details: StatusDetails): StatusObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}
