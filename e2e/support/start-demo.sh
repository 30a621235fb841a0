#!/usr/bin/env bash
# The zero-setup path exactly as a newcomer runs it (`npm start`, no DATABASE_URL): embedded Postgres in a throwaway
# data dir, migrations, demo seed, the built app. Only ports and the data dir differ, so it can run beside the other app.
set -euo pipefail
cd "$(dirname "$0")/../.."
unset DATABASE_URL OIDC_ISSUER OIDC_CLIENT_ID OIDC_CLIENT_SECRET AUTH_SECRET AUTH_URL
export OPSDECK_DATA_DIR="${OPSDECK_DATA_DIR:-.cache/e2e-demo-data-${PORT:-3000}}"
rm -rf "$OPSDECK_DATA_DIR"
# Its own demo cluster on a free port, so it can run beside `npm start` (which takes 54330).
export OPSDECK_DEMO_CLUSTER_PORT="${OPSDECK_DEMO_CLUSTER_PORT:-0}"
exec node --import tsx --conditions=react-server scripts/start.ts
