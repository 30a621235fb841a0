import { randomUUID } from "node:crypto";

/** Request id and client address for logs and the audit log. */
export function requestMeta(headers: Headers, trustProxy: boolean): { requestId: string; ip: string } {
  const incoming = headers.get("x-request-id");
  const requestId = incoming && /^[\w.-]{8,128}$/.test(incoming) ? incoming : randomUUID();
  // Next's server sets x-forwarded-for from the socket when the request comes straight in; behind a proxy its first
  // entry is the client only if that proxy is trusted to overwrite it.
  const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  const ip = (trustProxy ? forwarded[0] : forwarded[forwarded.length - 1]) ?? headers.get("x-real-ip") ?? "";
  return { requestId, ip: ip.replace(/^::ffff:/, "") };
}
