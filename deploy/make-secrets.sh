#!/bin/sh
# Makes what a deployment needs besides the image, under deploy/secrets/ (or the directory given), never
# overwriting a file that exists:
#   nats/<user>.password     one random password per NATS user (permissions.conf), 0600
#   nats/ca.crt, ca.key      a private CA for the NATS cluster (keep ca.key offline once the certificates exist)
#   nats/server.crt, .key    the NATS nodes' certificate: nats-1..3 (compose), nats.switchboard and
#                            *.nats-headless (Kubernetes) and localhost, for clients and routes
#   service-keys/*.pem       each service's Ed25519 identity key, and service-keys/trusted-keys.json
#   kms/master.key           the local KMS master key for compose (base64 of 32 random bytes), 0600
# Needs openssl and a build (npm run build) for the service keys. Files are 0600 (certificates 0644): make them
# readable by the containers' users (uid 10001 for the services) without widening the mode.
set -eu
cd "$(dirname "$0")/.."
out=${1:-deploy/secrets}
umask 077
mkdir -p "$out/nats" "$out/service-keys"

for user in gateway providers credentials usage orchestrator; do
  file="$out/nats/$user.password"
  # nats-server parses the value it gets as a configuration value: a letter first, then hex digits only.
  [ -e "$file" ] || printf 'p%s\n' "$(openssl rand -hex 24)" > "$file"
done

nats="$out/nats"
if [ ! -e "$nats/ca.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=switchboard NATS CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$nats/ca.key" -out "$nats/ca.crt" 2>/dev/null
fi
if [ ! -e "$nats/server.crt" ]; then
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=nats" \
    -keyout "$nats/server.key" -out "$nats/server.csr" 2>/dev/null
  # clientAuth too: a node presents the same certificate when it opens a route to another node.
  printf '%s\n' basicConstraints=critical,CA:FALSE keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth,clientAuth \
    subjectAltName=DNS:nats-1,DNS:nats-2,DNS:nats-3,DNS:nats,DNS:nats.switchboard,DNS:nats.switchboard.svc,DNS:*.nats-headless,DNS:*.nats-headless.switchboard.svc,DNS:localhost,IP:127.0.0.1 > "$nats/server.ext"
  openssl x509 -req -in "$nats/server.csr" -CA "$nats/ca.crt" -CAkey "$nats/ca.key" -CAcreateserial -days 825 \
    -extfile "$nats/server.ext" -out "$nats/server.crt" 2>/dev/null
  rm -f "$nats/server.csr" "$nats/server.ext"
fi
chmod 0644 "$nats/ca.crt" "$nats/server.crt"

# The local KMS master key compose's kms-init puts into the credentials-service key volume (base64 of 32 bytes).
# Keep a copy offline: every secret stored under it is lost with it.
mkdir -p "$out/kms"
[ -e "$out/kms/master.key" ] || openssl rand -base64 32 > "$out/kms/master.key"

node libs/service-identity/dist/service-keys.cli.js init --dir "$out/service-keys"
echo "secrets in $out"
