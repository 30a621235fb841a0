import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native-ish or dynamic requires stay out of the bundle and load at runtime.
  serverExternalPackages: ["graphile-worker", "pg", "@prisma/adapter-pg", "pino", "prom-client", "@kubernetes/client-node"],
  // A separate build directory lets tests build without disturbing a running `npm start`.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
