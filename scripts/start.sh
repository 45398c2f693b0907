#!/usr/bin/env bash
# `npm start`: installs dependencies if missing, starts PostgreSQL and NATS if stopped, builds, then runs the
# launcher (libs/launcher/src/start.ts): the whole stack, its database created and migrated, a demo tenant seeded.
set -euo pipefail
cd "$(dirname "$0")/.."
LAUNCHER=libs/launcher/dist/start.js

case "${1:-}" in
  -h | --help)
    echo "usage: npm start [-- --help]"
    echo
    echo "Starts PostgreSQL and NATS if they are not answering, installs dependencies if missing, builds (tsc -b and the"
    echo "web console, served by the gateway at /console), then runs $LAUNCHER. Touches nothing with --help."
    if [ -f "$LAUNCHER" ]; then echo; exec node "$LAUNCHER" --help; fi
    echo "(run \`npm run build\` once to see the launcher's own options and environment)"
    exit 0
    ;;
  "") ;;
  *)
    echo "npm start: unknown argument '$1' (try: npm start -- --help)" >&2
    exit 2
    ;;
esac

bash scripts/ensure-services.sh
echo "Building…"
node_modules/.bin/tsc -b tsconfig.build.json
npm run --silent build:console
exec node "$LAUNCHER"
