#!/usr/bin/env bash
# Checks a running deployment the way an operator would after a launch, a deploy or a failover,
# prints a pass/fail table and exits 1 when any check failed (2 on bad usage).
#
#   launch/validate.sh                      the local lab (scripts/lab up), found through LAB_DIR
#                                           and LAB_PORT_BASE, as scripts/lab finds it
#   launch/validate.sh --edge https://musicconnect.com --topology /etc/musicconnect/topology.json \
#       --primary-url "postgresql://musicconnect@$PRIMARY_ENDPOINT/musicconnect"
#
# Checks:
#   edge /health     `curl -I <edge>/health` answers 200 (the guide's CDN health check)
#   node /ready      every node of every region in the topology answers /ready with 200
#   ops status       `musicconnect ops status` exits 0 (exactly one primary region)
#   replication lag  `SELECT * FROM monitoring.get_replication_lag()` on the primary: one row per
#                    replica, none NULL, none above --max-lag-s
#   API round trip   through the edge: sign in (or register a throwaway fan when no account is
#                    given), GET /api/auth/me as that user, POST /api/auth/logout
#
# Options (and their environment variables):
#   --edge URL          EDGE            default: the lab's edge (scripts/lab env)
#   --topology FILE     OPS_TOPOLOGY    default: $LAB_DIR/topology.json
#   --primary-url URL   PRIMARY_URL     default: the lab's current primary (scripts/lab env)
#   --max-lag-s N       MAX_LAG_S       default 30 (the ReplicationLagHigh alert's threshold)
#   --replicas N        EXPECT_REPLICAS default: the topology's regions minus one
#   --wait-s N          WAIT_S          default 0: repeat the checks (every 2 s) until all pass or
#                                       N seconds passed, e.g. while a former primary rejoins
#   VALIDATE_EMAIL / VALIDATE_PASSWORD  sign in with this account instead of registering one
#                                       (production: a synthetic monitoring account)
#   MC_BINARY / MUSICCONNECT_BIN        the musicconnect binary (default: on PATH, else build/)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
EDGE="${EDGE:-}"
OPS_TOPOLOGY="${OPS_TOPOLOGY:-}"
PRIMARY_URL="${PRIMARY_URL:-}"
MAX_LAG_S="${MAX_LAG_S:-30}"
EXPECT_REPLICAS="${EXPECT_REPLICAS:-}"
WAIT_S="${WAIT_S:-0}"
while [ $# -gt 0 ]; do
  case "$1" in
    --edge) EDGE="${2:?--edge needs a URL}"; shift 2 ;;
    --topology) OPS_TOPOLOGY="${2:?--topology needs a file}"; shift 2 ;;
    --primary-url) PRIMARY_URL="${2:?--primary-url needs a URL}"; shift 2 ;;
    --max-lag-s) MAX_LAG_S="${2:?--max-lag-s needs a number}"; shift 2 ;;
    --replicas) EXPECT_REPLICAS="${2:?--replicas needs a number}"; shift 2 ;;
    --wait-s) WAIT_S="${2:?--wait-s needs a number}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "validate.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ "$MAX_LAG_S" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "validate.sh: --max-lag-s must be a number of seconds" >&2; exit 2; }
[[ "$WAIT_S" =~ ^[0-9]+$ ]] || { echo "validate.sh: --wait-s must be a whole number of seconds" >&2; exit 2; }
[ -z "$EXPECT_REPLICAS" ] || [[ "$EXPECT_REPLICAS" =~ ^[0-9]+$ ]] || { echo "validate.sh: --replicas must be a whole number" >&2; exit 2; }
for tool in curl jq psql; do
  command -v "$tool" >/dev/null 2>&1 || { echo "validate.sh: $tool is not installed" >&2; exit 2; }
done

# The lab supplies whatever was not given.
lab_dir="${LAB_DIR:-/tmp/musicconnect-lab}"
if [ -z "$EDGE" ] || [ -z "$PRIMARY_URL" ]; then
  if [ ! -f "$lab_dir/lab.env" ]; then
    echo "validate.sh: no --edge/--primary-url given and no lab at $lab_dir (scripts/lab up, or set LAB_DIR)" >&2
    exit 2
  fi
  lab_env="$("$root/scripts/lab" env)" || { echo "validate.sh: scripts/lab env failed (is the lab up?)" >&2; exit 2; }
  [ -n "$EDGE" ] || EDGE="$(sed -n 's/^EDGE=//p' <<<"$lab_env")"
  [ -n "$PRIMARY_URL" ] || PRIMARY_URL="$(sed -n "s/^PRIMARY_URL='\(.*\)'$/\1/p" <<<"$lab_env")"
fi
[ -n "$OPS_TOPOLOGY" ] || OPS_TOPOLOGY="$lab_dir/topology.json"
[ -f "$OPS_TOPOLOGY" ] || { echo "validate.sh: no topology file $OPS_TOPOLOGY (--topology)" >&2; exit 2; }
export OPS_TOPOLOGY
EDGE="${EDGE%/}"

bin="${MC_BINARY:-${MUSICCONNECT_BIN:-}}"
if [ -z "$bin" ]; then
  if command -v musicconnect >/dev/null 2>&1; then bin="$(command -v musicconnect)"; else bin="$root/build/musicconnect"; fi
fi

record() { # status check detail
  rows+=("$1|$2|$3")
  [ "$1" = PASS ] || failures=$((failures + 1))
}

run_checks() {
rows=()
failures=0

# 1. the edge's /health, as the guide runs it
head="$(curl -sS -I --max-time 10 "$EDGE/health" 2>&1)"
code="$(awk 'NR == 1 {print $2}' <<<"$head")"
if [ "$code" = 200 ]; then record PASS "edge /health" "curl -I $EDGE/health: HTTP 200"
else record FAIL "edge /health" "curl -I $EDGE/health: $(head -1 <<<"$head" | tr -d '\r')"; fi

# 2. /ready of every node in the topology
nodes="$(jq -r '.regions[] | .name as $r | .nodes[]? | "\($r) \(.)"' "$OPS_TOPOLOGY")"
if [ -z "$nodes" ]; then
  record FAIL "node /ready" "the topology $OPS_TOPOLOGY lists no nodes"
fi
while read -r region node; do
  [ -n "$node" ] || continue
  body="$(curl -sS --max-time 5 -w '\n%{http_code}' "$node/ready" 2>&1)"
  code="$(tail -1 <<<"$body")"
  if [ "$code" = 200 ]; then record PASS "node /ready" "$region $node"
  else record FAIL "node /ready" "$region $node: HTTP $code $(sed '$d' <<<"$body" | head -c 200)"; fi
done <<<"$nodes"

# 3. musicconnect ops status (exit 0 only with exactly one primary)
if [ ! -x "$bin" ]; then
  record FAIL "ops status" "no musicconnect binary at $bin (set MC_BINARY)"
else
  status_out="$("$bin" ops status 2>&1)"
  rc=$?
  if [ $rc -eq 0 ]; then record PASS "ops status" "exit 0; primary: $("$bin" ops status --format prometheus 2>/dev/null | sed -n 's/^musicconnect_region_primary{region="\([^"]*\)"} 1$/\1/p' | tr '\n' ' ')"
  else record FAIL "ops status" "exit $rc: $(tail -3 <<<"$status_out" | tr '\n' ' ')"; fi
fi

# 4. replication lag on the primary
if [ -z "$EXPECT_REPLICAS" ]; then expect_replicas=$(($(jq '.regions | length' "$OPS_TOPOLOGY") - 1)); else expect_replicas="$EXPECT_REPLICAS"; fi
if ! lag="$(psql "$PRIMARY_URL" -XAt -F ' ' -v ON_ERROR_STOP=1 -c "SELECT * FROM monitoring.get_replication_lag()" 2>&1)"; then
  record FAIL "replication lag" "psql: $(head -2 <<<"$lag" | tr '\n' ' ')"
else
  # one row per replica: replica, lag_seconds, ... (the first two columns)
  summary="$(psql "$PRIMARY_URL" -XAt -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE lag_seconds IS NULL OR lag_seconds > $MAX_LAG_S), coalesce(max(lag_seconds), 0)::numeric(10,2) FROM monitoring.get_replication_lag()" 2>&1)"
  read -r n bad worst <<<"$summary"
  if [ "$n" = "$expect_replicas" ] && [ "$bad" = 0 ]; then
    record PASS "replication lag" "$n replica(s), worst ${worst}s (limit ${MAX_LAG_S}s)"
  else
    record FAIL "replication lag" "$n replica(s) (expected $expect_replicas), $bad missing or above ${MAX_LAG_S}s, worst ${worst}s"
  fi
fi

# 5. a signed-in API round trip through the edge
api() { # method path [body] [token] -> "<status>\n<body>"
  local args=(-sS --max-time 10 -X "$1" -H 'content-type: application/json' -w '\n%{http_code}')
  [ -n "${3:-}" ] && args+=(--data "$3")
  [ -n "${4:-}" ] && args+=(-H "authorization: Bearer $4")
  curl "${args[@]}" "$EDGE$2" 2>&1
}
round_trip() {
  local out code body token user_id email password tag
  if [ -n "${VALIDATE_EMAIL:-}" ]; then
    email="$VALIDATE_EMAIL"; password="${VALIDATE_PASSWORD:?VALIDATE_PASSWORD is needed with VALIDATE_EMAIL}"
    out="$(api POST /api/auth/login "$(jq -nc --arg e "$email" --arg p "$password" '{email: $e, password: $p}')")"
    what="sign in"
  else
    tag="$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    email="validate$tag@example.com"; password="Validate-$tag-Pw9"
    out="$(api POST /api/auth/register "$(jq -nc --arg u "validate$tag" --arg e "$email" --arg p "$password" '{username: $u, email: $e, password: $p, role: "fan"}')")"
    what="register"
  fi
  code="$(tail -1 <<<"$out")"; body="$(sed '$d' <<<"$out")"
  case "$code" in 200|201) ;; *) echo "$what: HTTP $code $(head -c 200 <<<"$body")"; return 1 ;; esac
  token="$(jq -r '.token // empty' <<<"$body")"; user_id="$(jq -r '.user.id // empty' <<<"$body")"
  if [ -z "$token" ] || [ -z "$user_id" ]; then echo "$what: no token or user id in the answer"; return 1; fi
  out="$(api GET /api/auth/me "" "$token")"
  code="$(tail -1 <<<"$out")"; body="$(sed '$d' <<<"$out")"
  [ "$code" = 200 ] || { echo "GET /api/auth/me: HTTP $code $(head -c 200 <<<"$body")"; return 1; }
  [ "$(jq -r '.user.id // .id // empty' <<<"$body")" = "$user_id" ] || { echo "GET /api/auth/me answered for another user: $(head -c 200 <<<"$body")"; return 1; }
  out="$(api POST /api/auth/logout "" "$token")"
  code="$(tail -1 <<<"$out")"
  [ "$code" = 204 ] || { echo "POST /api/auth/logout: HTTP $code"; return 1; }
  echo "$what, GET /api/auth/me, logout as $email"
}
if detail="$(round_trip)"; then record PASS "API round trip" "$detail"; else record FAIL "API round trip" "$detail"; fi
}

deadline=$(($(date +%s) + WAIT_S))
run_checks
while [ "$failures" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do
  echo "validate: $failures check(s) failing; again in 2 s (--wait-s $WAIT_S)" >&2
  sleep 2
  run_checks
done

printf '\n%-6s %-17s %s\n' "RESULT" "CHECK" "DETAIL"
for row in "${rows[@]}"; do
  IFS='|' read -r s c d <<<"$row"
  printf '%-6s %-17s %s\n' "$s" "$c" "$d"
done
total=${#rows[@]}
echo "validate: $((total - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
