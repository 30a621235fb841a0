/** The URL clients use for the embedded database. PGlite ignores user, password and database name; sslmode=disable
 *  keeps clients from asking for TLS, which the socket server does not speak. */
export function pgliteUrl(port: number, host = "127.0.0.1") {
  return `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`;
}
