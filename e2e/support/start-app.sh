#!/usr/bin/env bash
# Starts the built app for the e2e tests against a fresh database on the real local Postgres, configured for
# production-style sign-in through the test IdP (no demo mode: DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/../.."
DB="${E2E_DB:-opsdeck_e2e}"
psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="postgresql://root@127.0.0.1:5432/$DB"
node_modules/.bin/tsx --conditions=react-server scripts/db-migrate.ts
node_modules/.bin/tsx --conditions=react-server scripts/seed.ts
exec node_modules/.bin/next start -H 127.0.0.1 -p "${E2E_PORT:-3000}"
