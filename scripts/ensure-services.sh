#!/usr/bin/env bash
# Starts the local PostgreSQL and NATS (JetStream) if they are not answering, and installs
# the npm dependencies if they are missing. Idempotent; used by `npm start` and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h | --help)
    cat <<'USAGE'
usage: bash scripts/ensure-services.sh [--with-browser] [-h | --help]

Starts the local PostgreSQL (pg_ctlcluster) and NATS with JetStream (nats-server on 127.0.0.1:4222) if they are
not answering, and runs `npm ci` if the dependencies are missing. Idempotent; npm start and npm test run it first.
--with-browser (npm test) also installs Debian's Chromium (/usr/bin/chromium, apt-get) for the console's browser
tests where it is missing; if that fails it says so and goes on, and those tests fail naming the missing browser.
Environment: PGPORT (default 5432).
Exit codes: 0 both answer and dependencies are installed, 1 something could not be started, 2 bad arguments.
USAGE
    exit 0
    ;;
  "" | --with-browser) ;;
  *)
    echo "ensure-services.sh: unknown argument '$1' (try --help)" >&2
    exit 2
    ;;
esac

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.2; done
  echo "error: $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

PG_PORT=${PGPORT:-5432}
if ! port_open "$PG_PORT"; then
  echo "Starting PostgreSQL…"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  else
    echo "error: PostgreSQL is not running on 127.0.0.1:$PG_PORT and pg_ctlcluster is not available" >&2
    exit 1
  fi
  wait_port "$PG_PORT" PostgreSQL
fi

if ! port_open 4222; then
  echo "Starting NATS with JetStream…"
  if [ -x /usr/sbin/nats-server ]; then
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  elif command -v nats-server >/dev/null 2>&1; then
    mkdir -p .switchboard/nats
    nohup nats-server -a 127.0.0.1 -p 4222 -js -sd .switchboard/nats >/dev/null 2>&1 &
  else
    echo "error: NATS is not running on 127.0.0.1:4222 and nats-server is not installed" >&2
    exit 1
  fi
  wait_port 4222 NATS
fi

if [ ! -d node_modules/@nestjs/core ] || [ ! -e node_modules/@switchboard/contracts ]; then
  echo "Installing dependencies (npm ci)…"
  # The lock lists every platform's optional packages (regenerate it with `npm install --package-lock-only`).
  npm ci --no-audit --no-fund
fi

CHROMIUM=/usr/bin/chromium
if [ "${1:-}" = --with-browser ] && [ ! -x "$CHROMIUM" ]; then
  # playwright-core downloads no browser: the console's tests drive Debian's Chromium.
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium for the console's browser tests (apt-get install chromium)…"
    echo "  apt-get update…"
    if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/tmp/switchboard-apt.log 2>&1; then
      echo "  apt-get install -y chromium… (a few minutes on a new machine)"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 chromium >>/tmp/switchboard-apt.log 2>&1 || true
    fi
    if [ -x "$CHROMIUM" ]; then
      echo "  installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
    else
      echo "warning: Chromium could not be installed (see /tmp/switchboard-apt.log); the console's browser tests will fail" >&2
    fi
  else
    echo "warning: $CHROMIUM is missing and apt-get cannot run here (needs root); the console's browser tests will fail" >&2
  fi
fi
