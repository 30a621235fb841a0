import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native-ish or dynamic requires stay out of the bundle and load at runtime.
  serverExternalPackages: ["graphile-worker", "pg", "@prisma/adapter-pg", "pino", "prom-client", "@kubernetes/client-node"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
