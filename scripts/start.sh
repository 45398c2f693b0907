#!/usr/bin/env bash
# `npm start`: installs dependencies if missing, starts PostgreSQL and NATS if stopped, builds,
# then runs the whole stack (creating and migrating its database) and seeds a demo tenant.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
echo "Building…"
node_modules/.bin/tsc -b tsconfig.build.json
exec node scripts/start.mjs
