#!/bin/sh
# permissions.conf names each user's password as $NATS_<USER>_PASSWORD, which nats-server reads from its
# environment; deployments hand the passwords over as files (compose secrets, Kubernetes secret volumes).
# Exports every <dir>/nats-<user>-password (dir: NATS_PASSWORDS_DIR, default /run/secrets), then runs
# nats-server with the arguments given. Prints no password.
set -eu
dir=${NATS_PASSWORDS_DIR:-/run/secrets}
found=0
for file in "$dir"/nats-*-password; do
  [ -f "$file" ] || continue
  user=$(basename "$file" -password)
  user=${user#nats-}
  value=$(cat "$file")
  # nats-server parses the value as a configuration value (a leading digit can make it a number or a date, and
  # its parse errors quote the value): a letter then letters and digits, or a $2a$ bcrypt hash.
  case "$value" in
    '$2a$'*) ;;
    [A-Za-z]*[!A-Za-z0-9]* | [!A-Za-z]*)
      echo "entrypoint: $file must hold a letter then letters and digits only, or a \$2a\$ bcrypt hash" >&2
      exit 1
      ;;
  esac
  export "NATS_$(printf '%s' "$user" | tr 'a-z-' 'A-Z_')_PASSWORD=$value"
  found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "entrypoint: no nats-<user>-password file in $dir" >&2; exit 1; }
exec nats-server "$@"
