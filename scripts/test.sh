#!/usr/bin/env bash
# The project's test command (`npm test`): starts what the tests need, builds, type-checks, lints,
# runs every Jest suite (unit, integration on real PostgreSQL/NATS, whole-stack e2e) and ends with
# one line of totals: `N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    cat <<'USAGE'
usage: npm test [-- --help]        (bash scripts/test.sh)

Starts PostgreSQL and NATS if they are not answering and installs dependencies (and Chromium) if missing (scripts/ensure-services.sh),
then builds, type-checks the specs, lints (module boundaries), runs the unit and integration specs (apps/, libs/) and
the whole-stack specs (test/), and ends with one line: "N passed, M failed". Reports go to .switchboard/test-results/.
Environment: PGPORT (default 5432); the specs' own, such as SWITCHBOARD_TEST_ADMIN_DATABASE_URL and NATS_URL.
Exit codes: 0 everything passed, 1 something failed, 2 bad arguments.
USAGE
    exit 0
    ;;
  "") ;;
  *)
    echo "npm test: unknown argument '$1' (try: npm test -- --help)" >&2
    exit 2
    ;;
esac

export NX_DAEMON=false
mkdir -p .switchboard/test-results
rm -f .switchboard/test-results/*.json .switchboard/test-results/*.log

step() { printf '\n==> %s\n' "$*"; }
failed_checks=0
check() { # name, command…
  local name=$1; shift
  step "$name"
  local started=$SECONDS
  if "$@"; then echo "    ok ($((SECONDS - started)) s)"; else echo "    FAILED: $name"; failed_checks=$((failed_checks + 1)); fi
}

step "services and dependencies"
bash scripts/ensure-services.sh --with-browser || { echo "0 passed, 1 failed"; exit 1; }

check "build (tsc -b)" node_modules/.bin/tsc -b tsconfig.build.json
check "build console (vite)" npm run --silent build:console
check "type-check specs" node_modules/.bin/tsc -p tsconfig.spec.json
# The boundaries rule reads the cached Nx project graph; without it the rule silently skips itself.
NX_DAEMON=false node_modules/.bin/nx show projects >/dev/null 2>&1
check "lint (module boundaries)" node_modules/.bin/eslint apps libs test

JEST=(node --experimental-vm-modules node_modules/jest/bin/jest.js --ci)
check "unit and integration tests" "${JEST[@]}" --maxWorkers=2 --testPathIgnorePatterns '/node_modules/' '/dist/' '<rootDir>/test/' \
  --json --outputFile=.switchboard/test-results/libs-apps.json
# Two serial runners side by side, one stack each at a time: the fault specs (crashes, restarts,
# memory bounds under hostile clients, fuzzing, process starts), then everything else. Each runner is serial so that
# no spec that measures recovery or memory shares the machine with more than one other stack. The NATS cluster spec
# (availability while an election runs) then runs alone.
CLUSTER_SPECS='test/cluster/'
FAULT_SPECS='test/(fuzz|cli)/|test/e2e/(hostile-edges|reliability|usage-crash|usage-spool|replicas|launcher|kms-outage|tenant-isolation)\.'
whole_stack() {
  local reports=.switchboard/test-results
  "${JEST[@]}" --runInBand --roots '<rootDir>/test' --testPathPatterns "$FAULT_SPECS" \
    --json --outputFile="$reports/e2e-faults.json" >"$reports/e2e-faults.log" 2>&1 &
  local faults=$!
  "${JEST[@]}" --runInBand --roots '<rootDir>/test' --testPathIgnorePatterns '/node_modules/' '/dist/' "$FAULT_SPECS" "$CLUSTER_SPECS" \
    --json --outputFile="$reports/e2e.json"
  local rest=$?
  wait "$faults"
  local faults_rc=$?
  echo "--- fault specs (second runner) ---"
  cat "$reports/e2e-faults.log"
  echo "--- the NATS cluster, alone ---"
  "${JEST[@]}" --runInBand --roots '<rootDir>/test' --testPathPatterns "$CLUSTER_SPECS" --json --outputFile="$reports/e2e-cluster.json"
  local cluster_rc=$?
  [ "$rest" = 0 ] && [ "$faults_rc" = 0 ] && [ "$cluster_rc" = 0 ]
}
check "whole-stack tests" whole_stack

node scripts/test-totals.mjs .switchboard/test-results "$failed_checks"
