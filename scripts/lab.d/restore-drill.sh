#!/usr/bin/env bash
# scripts/lab restore-drill: pgBackRest point-in-time recovery, proven on the running lab.
#   1. a full backup of the current primary into the lab's repository (WAL is archived continuously
#      by every member's archive_command);
#   2. rows written before a target time T, counted, then more rows written after T;
#   3. a restore to T into a fresh data directory, started as a separate instance on its own port;
#   4. the restored counts must equal the counts at T (the rows written after T must be absent).
# Prints the timings and leaves nothing running.
set -euo pipefail
LAB_DIR="${LAB_DIR:-/tmp/musicconnect-lab}"
BASE="${LAB_PORT_BASE:-27000}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
RUN_USER="${LAB_RUN_USER:-postgres}"
[ -f "$LAB_DIR/lab.env" ] || { echo "no lab at $LAB_DIR (scripts/lab up)" >&2; exit 1; }
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"
read -r -a REGIONS <<<"$LAB_REGIONS"
log() { printf '[restore-drill %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups -- "$@"; else "$@"; fi; }

primary=""
for ((i = 0; i < ${#REGIONS[@]}; i++)); do
  url="postgresql://postgres:$LAB_SUPER_PASSWORD@127.0.0.1:$((BASE + 200 + i))/musicconnect?connect_timeout=2"
  if [ "$(psql "$url" -XAtc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = "t" ]; then primary="$i"; P_URL="$url"; break; fi
done
[ -n "$primary" ] || { echo "no primary answers" >&2; exit 1; }
region="${REGIONS[$primary]}"
conf="$LAB_DIR/pgbackrest/$region.conf"
start=$SECONDS

log "full backup of $region"
as_pg pgbackrest --config="$conf" --stanza=musicconnect --type=full backup >"$LAB_DIR/logs/pgbackrest-backup.log" 2>&1 \
  || { echo "backup failed: $LAB_DIR/logs/pgbackrest-backup.log" >&2; exit 1; }
backup_s=$((SECONDS - start))

psql "$P_URL" -Xq -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE IF NOT EXISTS public.lab_restore_probe (id bigserial PRIMARY KEY, phase text NOT NULL, at timestamptz NOT NULL DEFAULT now());
INSERT INTO public.lab_restore_probe (phase) SELECT 'before' FROM generate_series(1, 100);
SQL
sleep 1
target="$(psql "$P_URL" -XAtc "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")"
counts_sql="SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM messages) || ' ' || (SELECT count(*) FROM outbox) || ' ' || (SELECT count(*) FROM public.lab_restore_probe)"
expected="$(psql "$P_URL" -XAtc "$counts_sql")"
sleep 1
psql "$P_URL" -Xq -v ON_ERROR_STOP=1 -c "INSERT INTO public.lab_restore_probe (phase) SELECT 'after' FROM generate_series(1, 50)"
psql "$P_URL" -XAtc "SELECT pg_switch_wal()" >/dev/null
# wait until the segment holding the target has been archived
for _ in $(seq 1 100); do
  if as_pg pgbackrest --config="$conf" --stanza=musicconnect check >/dev/null 2>&1; then break; fi
  sleep 0.3
done

restore_dir="$LAB_DIR/restore/data"
port=$((BASE + 250))
rm -rf "$LAB_DIR/restore"
mkdir -p "$restore_dir" "$LAB_DIR/restore/run"
chmod 700 "$restore_dir"
chown -R "$RUN_USER:" "$LAB_DIR/restore"
log "restore to $target into $restore_dir"
r0=$SECONDS
as_pg pgbackrest --config="$conf" --stanza=musicconnect --pg1-path="$restore_dir" --type=time "--target=$target" \
  --target-action=promote restore >"$LAB_DIR/logs/pgbackrest-restore.log" 2>&1 \
  || { echo "restore failed: $LAB_DIR/logs/pgbackrest-restore.log" >&2; exit 1; }
stop_restored() { as_pg "$PG_BIN/pg_ctl" -D "$restore_dir" -m immediate stop >/dev/null 2>&1 || true; }
trap stop_restored EXIT
as_pg "$PG_BIN/pg_ctl" -D "$restore_dir" -l "$LAB_DIR/restore/postgres.log" -w -t 120 \
  -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$LAB_DIR/restore/run -c archive_mode=off -c hot_standby=on" \
  start >/dev/null
R_URL="postgresql://postgres:$LAB_SUPER_PASSWORD@127.0.0.1:$port/musicconnect?connect_timeout=2"
for _ in $(seq 1 300); do
  [ "$(psql "$R_URL" -XAtc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = "t" ] && break
  sleep 0.2
done
restore_s=$((SECONDS - r0))
got="$(psql "$R_URL" -XAtc "$counts_sql")"
stop_restored
trap - EXIT
cp "$LAB_DIR/restore/postgres.log" "$LAB_DIR/logs/restored-postgres.log" 2>/dev/null || true
rm -rf "$LAB_DIR/restore"

echo "| pgBackRest | backup | restore to T and promote | counts at T (users messages outbox probe) | restored | match |"
echo "|---|---|---|---|---|---|"
echo "| $region | ${backup_s} s | ${restore_s} s | $expected | $got | $([ "$got" = "$expected" ] && echo yes || echo no) |"
[ "$got" = "$expected" ]
