#!/bin/sh
# The redis-tls sidecar: hiredis (in the server) speaks plain TCP to 127.0.0.1:6380, stunnel
# carries it over TLS to ElastiCache (REDIS_TLS_HOST, port 6379), checking the certificate chain
# against Debian's CA bundle. The config goes to /tmp: the root filesystem is read-only.
set -eu
: "${REDIS_TLS_HOST:?REDIS_TLS_HOST must name the ElastiCache primary endpoint}"
conf=/tmp/redis-tls.conf
cat > "$conf" <<CONF
foreground = yes
pid =
syslog = no
[redis]
client = yes
accept = 127.0.0.1:6380
connect = ${REDIS_TLS_HOST}:${REDIS_TLS_PORT:-6379}
verifyChain = yes
CAfile = /etc/ssl/certs/ca-certificates.crt
sslVersionMin = TLSv1.2
CONF
exec stunnel "$conf"
