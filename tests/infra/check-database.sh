#!/usr/bin/env bash
# Applies infrastructure/database/aurora-global-setup.sql to a throwaway PostgreSQL 15 with a
# streaming standby: after the server's migrations, twice (it must be re-runnable), then calls
# what the guide and postgres-exporter call, on the writer and on the standby.
# PostgreSQL refuses to run as root, so the servers run as `nobody` in a temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$bin/initdb" ] || { echo "PostgreSQL 15 server binaries not found in $bin (apt-get install postgresql-15)"; exit 1; }

work="$(mktemp -d /tmp/mc-dbcheck.XXXXXX)"
chmod 0755 "$work"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
[ "$(id -u)" -ne 0 ] || chown nobody "$work"
port=$((20000 + RANDOM % 20000))
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  as_pg "$bin/pg_ctl" -D "$work/standby" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$bin/pg_ctl" -D "$work/primary" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

as_pg "$bin/initdb" -D "$work/primary" -U musicconnect --auth=trust -E UTF8 >/dev/null
cat >> "$work/primary/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
wal_level = replica
max_wal_senders = 4
fsync = off
CONF
echo "local replication musicconnect trust" >> "$work/primary/pg_hba.conf"
as_pg "$bin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w start >/dev/null
psql_p() { PGOPTIONS='-c client_min_messages=warning' as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U musicconnect "$@"; }
psql_p -d postgres -c "CREATE DATABASE musicconnect" >/dev/null

for m in "$root"/migrations/*.sql; do psql_p -d musicconnect -f "$m" >/dev/null; done
psql_p -d musicconnect -f "$root/infrastructure/database/aurora-global-setup.sql"
psql_p -d musicconnect -f "$root/infrastructure/database/aurora-global-setup.sql"

as_pg "$bin/pg_basebackup" -h "$work" -p "$port" -U musicconnect -D "$work/standby" -R -X stream -C -S standby1 -c fast >/dev/null
sed -i "s/^port = .*/port = $((port + 1))/" "$work/standby/postgresql.conf"
echo "cluster_name = 'standby1'" >> "$work/standby/postgresql.conf"
as_pg "$bin/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w start >/dev/null

fail=0
expect() { # description, expected, actual
  if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected [$2], got [$3]"; fail=1; fi
}
q() { as_pg psql -X -A -t -v ON_ERROR_STOP=1 -h "$work" -p "$1" -U musicconnect -d musicconnect -c "$2"; }

for _ in $(seq 50); do [ "$(q "$port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && break; sleep 0.1; done
expect "the writer lists its standby" "pg_stat_replication:1" "$(q "$port" "SELECT source || ':' || count(*) FROM monitoring.get_replication_lag() GROUP BY source")"
expect "the standby reports its own lag" "standby1|pg_last_xact_replay_timestamp" "$(q $((port + 1)) "SELECT replica, source FROM monitoring.get_replication_lag()")"
expect "lag is a number of seconds" "t" "$(q "$port" "SELECT bool_and(lag_seconds >= 0) FROM monitoring.get_replication_lag()")"
q "$port" "INSERT INTO jobs (queue, kind) VALUES ('media', 'media.transcode'), ('media', 'media.transcode'), ('mail', 'mail.send')" >/dev/null
expect "job_backlog counts due jobs per queue" "mail|1,media|2" "$(q "$port" "SELECT string_agg(queue || '|' || queued, ',' ORDER BY queue) FROM monitoring.job_backlog()")"
q "$port" "INSERT INTO monitoring.failover_events (kind, from_region, to_region, reason) VALUES ('switchover', 'us-east-1', 'us-west-2', 'drill')" >/dev/null
expect "failover events are recorded" "1" "$(q "$port" "SELECT count(*) FROM monitoring.failover_events")"
expect "postgres-exporter's role may call the functions" "t" "$(q "$port" "SELECT has_function_privilege('musicconnect_monitor', 'monitoring.get_replication_lag()', 'EXECUTE')")"
# partition maintenance on a range-partitioned event table
q "$port" "CREATE TABLE public.play_events_probe (at timestamptz NOT NULL, track_id bigint) PARTITION BY RANGE (at)" >/dev/null
expect "three months ahead plus this one are created" "4" "$(q "$port" "SELECT count(*) FROM monitoring.maintain_partitions(3) WHERE action = 'created'")"
expect "a second run changes nothing" "0" "$(q "$port" "SELECT count(*) FROM monitoring.maintain_partitions(3)")"
expect "a row of now lands in this month's partition" "play_events_probe_$(date -u +%Y%m)" \
  "$(q "$port" "INSERT INTO public.play_events_probe VALUES (now(), 1) RETURNING tableoid::regclass::text" | head -1)"
old="$(date -u -d "$(date -u +%Y-%m-01) -14 months" +%Y-%m-01)"
q "$port" "CREATE TABLE public.play_events_probe_${old:0:4}${old:5:2} PARTITION OF public.play_events_probe FOR VALUES FROM ('$old') TO (('$old'::date + interval '1 month')::timestamptz)" >/dev/null
retained="$(q "$port" "SELECT parent || '|' || partition_name || '|' || action FROM monitoring.maintain_partitions(3, 12)")"
expect "a partition older than the retention is dropped" "play_events_probe|play_events_probe_${old:0:4}${old:5:2}|dropped" \
  "$(grep '^play_events_probe|' <<<"$retained")"
# The migrations make the application's partitions 400 days back, under the same <table>_YYYYMM
# naming: the retention covers them too.
thirteen="$(date -u -d "$(date -u +%Y-%m-01) -13 months" +%Y%m)"
expect "the application's own partitions follow the same naming and retention" "play_events|play_events_${thirteen}|dropped" \
  "$(grep "^play_events|play_events_${thirteen}|" <<<"$retained")"
expect "unpartitioned tables are left alone" "0" "$(q "$port" "SELECT count(*) FROM monitoring.maintain_partitions(0) WHERE parent <> 'play_events_probe'")"
exit "$fail"
