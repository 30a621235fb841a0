/** Per-field messages from a tRPC validation error (the server's errorFormatter attaches zod's flattened issues). */
export function fieldErrors(error: unknown): Record<string, string> {
  const data = (error as { data?: { zod?: { fieldErrors?: Record<string, string[] | undefined> } | null } } | null)?.data;
  const fe = data?.zod?.fieldErrors ?? {};
  return Object.fromEntries(Object.entries(fe).flatMap(([k, v]) => (v?.[0] ? [[k, v[0]]] : [])));
}
