#!/usr/bin/env bash
# bench/http/selftest-baselines.sh — checks the two baselines of run.sh without our server:
# starts a throwaway PostgreSQL 15 (initdb as user postgres in a temp dir, unix socket only), applies
# migrations/0001_accounts.sql, inserts users and sessions, mints HS256 JWTs with node:crypto, then
#   - checks the Node peer's GET /api/auth/me (200 body for a fan and an artist; 401 cases),
#   - runs pgbench -M prepared with bench/http/me-query.pgbench and the same ids,
#   - runs wrk against the peer.
# Env: DURATION (s, default 3). Exits non-zero on the first failed check. Needs root (runuser).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/http"
PEER_DIR="$ROOT/bench/peers/node-fastify"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DURATION=${DURATION:-3}
PEER_PORT=18091
SECRET="selftest-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

TMP=$(mktemp -d /tmp/mc-bench-selftest.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/sock"
chown postgres "$TMP/sock"
PEER_PID=""
cleanup() {
  [[ -n $PEER_PID ]] && kill -TERM "$PEER_PID" 2>/dev/null && wait "$PEER_PID" 2>/dev/null || true
  [[ -f $TMP/data/postmaster.pid ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

[[ -d $PEER_DIR/node_modules ]] || (cd "$PEER_DIR" && npm ci --no-audit --no-fund --omit=dev >/dev/null)

mkdir -p "$TMP/data" && chown postgres "$TMP/data"
runuser -u postgres -- "$PG_BIN/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/data" -l "$TMP/data/log" -w \
  -o "-k $TMP/sock -c listen_addresses='' -c max_connections=120" start >/dev/null
URL="postgresql:///musicconnect?host=$TMP/sock&user=postgres"  # the shape the embedded server writes
psql "postgresql:///postgres?host=$TMP/sock&user=postgres" -X -q -c 'CREATE DATABASE musicconnect'
psql "$URL" -X -q -v ON_ERROR_STOP=1 -f "$ROOT/migrations/0001_accounts.sql" >/dev/null
read -r FAN_ID FAN_SID ART_ID ART_SID < <(psql "$URL" -X -qAt -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO users (username, email, password_hash, role)
  SELECT 'user_' || g, 'user' || g || '@example.com', 'x', 'fan' FROM generate_series(1, 5000) g;
INSERT INTO users (username, email, password_hash, role, email_verified_at) VALUES
  ('bench_fan', 'fan@example.com', 'x', 'fan', NULL), ('bench_artist', 'artist@example.com', 'x', 'artist', now());
INSERT INTO artist_profiles (user_id, stage_name, slug, genre)
  SELECT id, 'The Benchers', 'the-benchers', 'rock' FROM users WHERE username = 'bench_artist';
INSERT INTO sessions (user_id, expires_at) SELECT id, now() + interval '30 days' FROM users;
ANALYZE;
SELECT f.id, fs.id, a.id, s.id FROM users f JOIN sessions fs ON fs.user_id = f.id, users a JOIN sessions s ON s.user_id = a.id
 WHERE f.username = 'bench_fan' AND a.username = 'bench_artist';
SQL
)
pass "PostgreSQL in $TMP, schema applied, fan $FAN_ID, artist $ART_ID"

mint() { # mint SECRET SUB SID [TTL_SECONDS] [KID]
  node -e '
    const crypto = require("node:crypto");
    const [secret, sub, sid, ttl = "900", kid = "k1"] = process.argv.slice(1);
    const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const h = b({ alg: "HS256", typ: "JWT", kid });
    const p = b({ sub, sid, role: "fan", iat: now, exp: now + Number(ttl), iss: "musicconnect" });
    process.stdout.write(`${h}.${p}.` + crypto.createHmac("sha256", secret).update(`${h}.${p}`).digest("base64url"));
  ' "$@"
}
FAN_TOKEN=$(mint "$SECRET" "$FAN_ID" "$FAN_SID")
ART_TOKEN=$(mint "$SECRET" "$ART_ID" "$ART_SID")

(cd "$PEER_DIR" && PORT=$PEER_PORT HOST=127.0.0.1 DATABASE_URL="$URL" JWT_SECRET="$SECRET" exec node server.mjs) \
  >"$TMP/peer.log" 2>&1 &
PEER_PID=$!
for ((i = 0; i < 100; i++)); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PEER_PORT/health" && break
  sleep 0.1
done
ME="http://127.0.0.1:$PEER_PORT/api/auth/me"

get() { curl -s --max-time 5 -w '\n%{http_code}' "$ME" "$@"; }
expect() { # expect STATUS JQ_FILTER DESCRIPTION -- curl args
  local status=$1 filter=$2 what=$3 out body code
  shift 4
  out=$(get "$@")
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  [[ $code == "$status" ]] || fail "$what: status $code, body $body"
  jq -e "$filter" >/dev/null <<<"$body" || fail "$what: body $body does not satisfy $filter"
  pass "$what → $status"
}
expect 200 ".id == \"$FAN_ID\" and .username == \"bench_fan\" and .role == \"fan\" and .emailVerified == false
  and .artistName == null and .artistSlug == null and .genre == null
  and (.createdAt | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\"))
  and (keys | length) == 9" "fan" -- -H "Authorization: Bearer $FAN_TOKEN"
expect 200 ".id == \"$ART_ID\" and .emailVerified == true and .artistName == \"The Benchers\"
  and .artistSlug == \"the-benchers\" and .genre == \"rock\"" "artist" -- -H "Authorization: Bearer $ART_TOKEN"
expect 401 '.error.code == "unauthorized"' "no Authorization header" --
# Change the signature's first character (its last one carries 2 unused bits).
sig=${FAN_TOKEN##*.}; [[ ${sig:0:1} == A ]] && swap=B || swap=A
expect 401 '.error.code == "invalid_token"' "tampered signature" -- \
  -H "Authorization: Bearer ${FAN_TOKEN%.*}.$swap${sig:1}"
expect 401 '.error.code == "invalid_token"' "wrong secret" -- \
  -H "Authorization: Bearer $(mint wrong-secret "$FAN_ID" "$FAN_SID")"
expect 401 '.error.code == "invalid_token"' "expired" -- \
  -H "Authorization: Bearer $(mint "$SECRET" "$FAN_ID" "$FAN_SID" -10)"
expect 401 '.error.code == "invalid_token"' "unknown session" -- \
  -H "Authorization: Bearer $(mint "$SECRET" "$FAN_ID" 00000000-0000-4000-8000-000000000000)"
psql "$URL" -X -q -c "UPDATE sessions SET revoked_at = now() WHERE id = '$ART_SID'"
expect 401 '.error.code == "invalid_token"' "revoked session" -- -H "Authorization: Bearer $ART_TOKEN"

echo "--- pgbench -M prepared -c 64 -j 2 -T $DURATION (same query, same ids)"
"$PG_BIN/pgbench" -M prepared -n -c 64 -j 2 -T "$DURATION" -f "$HERE/me-query.pgbench" \
  -D "uid=$FAN_ID" -D "sid=$FAN_SID" "$URL" >"$TMP/pgbench.txt" 2>&1 || { cat "$TMP/pgbench.txt"; fail pgbench; }
grep -E '^(number of failed|latency average|tps)' "$TMP/pgbench.txt"
grep -q '^number of failed transactions: 0 ' "$TMP/pgbench.txt" || fail "pgbench had failed transactions"
pass "pgbench"

echo "--- wrk -t2 -c64 -d${DURATION}s on the Node peer"
BENCH_TOKEN=$FAN_TOKEN timeout $((DURATION + 30)) wrk -t2 -c64 -d"${DURATION}s" --latency \
  -s "$HERE/wrk-report.lua" "$ME" >"$TMP/wrk.txt"
grep -E '^(Requests/sec|  Non-2xx|  Socket errors)|^ +(50|99)%' "$TMP/wrk.txt"
grep -q 'Non-2xx' "$TMP/wrk.txt" && fail "non-2xx responses from the peer"
pass "wrk on the Node peer"
echo "all baseline checks passed"
