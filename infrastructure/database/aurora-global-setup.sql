-- Operator setup of the MusicConnect database (the guide's step 2), run once against the writer
-- and safe to run again:  psql -h $PRIMARY_ENDPOINT -U musicconnect -d musicconnect -f this file
-- Tables of the application are the server's migrations (`musicconnect migrate`); this file only
-- adds the monitoring schema the operators, the failover script and postgres-exporter use:
--   monitoring.get_replication_lag()   one row per replica: how far behind it is
--   monitoring.failover_events         one row per switchover or failover
--   monitoring.job_backlog()           due jobs waiting per queue
--   monitoring.maintain_partitions()   monthly partitions of the event tables, ahead and retained
-- It works on Aurora PostgreSQL (aurora_global_db_status()) and on plain PostgreSQL 15 streaming
-- replication (the local lab), on the writer or on a replica.
\set ON_ERROR_STOP on

BEGIN;

CREATE SCHEMA IF NOT EXISTS monitoring;

CREATE TABLE IF NOT EXISTS monitoring.failover_events (
    id            bigserial PRIMARY KEY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    kind          text NOT NULL CHECK (kind IN ('switchover', 'failover')),
    from_region   text,
    to_region     text NOT NULL,
    reason        text NOT NULL,
    initiated_by  text NOT NULL DEFAULT current_user,
    lag_seconds   double precision,
    CHECK (completed_at IS NULL OR completed_at >= occurred_at)
);
CREATE INDEX IF NOT EXISTS failover_events_occurred_at ON monitoring.failover_events (occurred_at DESC);

-- Aurora global database: each secondary region's lag as Aurora measures it (RPO lag, falling back
-- to durability lag). Plain PostgreSQL: on the writer, every streaming standby's replay lag; on a
-- standby, its own lag since the last replayed transaction (0 when nothing is waiting to replay).
CREATE OR REPLACE FUNCTION monitoring.get_replication_lag()
RETURNS TABLE (replica text, lag_seconds double precision, lag_bytes numeric, source text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF to_regprocedure('aurora_global_db_status()') IS NOT NULL THEN
        RETURN QUERY EXECUTE $q$
            SELECT s.aws_region::text,
                   coalesce(nullif(s.rpo_lag_in_msec, -1), s.durability_lag_in_msec, 0)::double precision / 1000,
                   NULL::numeric,
                   'aurora_global_db_status'::text
              FROM aurora_global_db_status() AS s
             WHERE s.aws_region IS NOT NULL AND s.durability_lag_in_msec IS NOT NULL
        $q$;
    ELSIF pg_is_in_recovery() THEN
        RETURN QUERY
            SELECT coalesce(nullif(current_setting('cluster_name', true), ''), 'self'),
                   CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::double precision
                        ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::double precision END,
                   pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()),
                   'pg_last_xact_replay_timestamp';
    ELSE
        RETURN QUERY
            SELECT r.application_name::text,
                   coalesce(extract(epoch FROM r.replay_lag), 0)::double precision,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn),
                   'pg_stat_replication'
              FROM pg_stat_replication AS r;
    END IF;
END;
$$;

-- Jobs due and not yet taken, per queue (the jobs table comes from the server's migrations; the
-- function is resolved when called, so this file may run before the first deployment).
CREATE OR REPLACE FUNCTION monitoring.job_backlog()
RETURNS TABLE (queue text, queued bigint, oldest_seconds double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF to_regclass('public.jobs') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT j.queue, count(*), max(extract(epoch FROM now() - j.run_at))::double precision
          FROM public.jobs AS j
         WHERE j.status = 'queued' AND j.run_at <= now()
         GROUP BY j.queue;
END;
$$;

-- Monthly partitions of the high-volume event tables. Every table partitioned by RANGE on a single
-- timestamptz column gets one partition per UTC month, named <table>_YYYYMM (the naming of the
-- application's own analytics_ensure_partitions, migrations/0019, so that either may create a month
-- and both recognise it), from this month to `months_ahead` months ahead; with `retain_months`,
-- partitions of that naming wholly older than that many months are detached and dropped. Idempotent: run it daily (the maintenance job or cron)
-- as the tables' owner. Returns what it changed.
CREATE OR REPLACE FUNCTION monitoring.maintain_partitions(months_ahead integer DEFAULT 3,
                                                         retain_months integer DEFAULT NULL)
RETURNS TABLE (parent text, partition_name text, action text)
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
    t record;
    old record;
    month date;
    part text;
    horizon date;
BEGIN
    IF months_ahead < 0 OR months_ahead > 24 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 24, not %', months_ahead;
    END IF;
    IF retain_months IS NOT NULL AND retain_months < 1 THEN
        RAISE EXCEPTION 'retain_months must be at least 1, not %', retain_months;
    END IF;
    FOR t IN
        SELECT c.oid AS rel, n.nspname AS nsp, c.relname AS name
          FROM pg_partitioned_table AS p
          JOIN pg_class AS c ON c.oid = p.partrelid
          JOIN pg_namespace AS n ON n.oid = c.relnamespace
          JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
         WHERE p.partstrat = 'r' AND p.partnatts = 1 AND a.atttypid = 'timestamptz'::regtype
           AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         ORDER BY n.nspname, c.relname
    LOOP
        FOR i IN 0..months_ahead LOOP
            month := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
            part := t.name || '_' || to_char(month, 'YYYYMM');
            IF to_regclass(quote_ident(t.nsp) || '.' || quote_ident(part)) IS NULL THEN
                BEGIN
                    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                                   t.nsp, part, t.nsp, t.name,
                                   month::timestamp AT TIME ZONE 'UTC',
                                   (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
                    parent := t.name; partition_name := part; action := 'created';
                    RETURN NEXT;
                EXCEPTION WHEN invalid_object_definition THEN
                    -- The month is already covered by a partition made by hand under another
                    -- name: nothing to do.
                    NULL;
                END;
            END IF;
        END LOOP;
        IF retain_months IS NOT NULL THEN
            horizon := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => retain_months))::date;
            FOR old IN
                SELECT c.relname AS name
                  FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
                 WHERE i.inhparent = t.rel AND c.relname ~ ('^' || t.name || '_[0-9]{6}$')
                   AND to_date(right(c.relname, 6), 'YYYYMM') < horizon
                 ORDER BY c.relname
            LOOP
                EXECUTE format('ALTER TABLE %I.%I DETACH PARTITION %I.%I', t.nsp, t.name, t.nsp, old.name);
                EXECUTE format('DROP TABLE %I.%I', t.nsp, old.name);
                parent := t.name; partition_name := old.name; action := 'dropped';
                RETURN NEXT;
            END LOOP;
        END IF;
    END LOOP;
END;
$$;

-- The login postgres-exporter uses (its password is set by the secrets runbook).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'musicconnect_monitor') THEN
        CREATE ROLE musicconnect_monitor LOGIN;
    END IF;
END;
$$;
GRANT pg_monitor TO musicconnect_monitor;
GRANT USAGE ON SCHEMA monitoring TO musicconnect_monitor;
GRANT SELECT ON monitoring.failover_events TO musicconnect_monitor;
REVOKE ALL ON FUNCTION monitoring.get_replication_lag(), monitoring.job_backlog(),
    monitoring.maintain_partitions(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION monitoring.get_replication_lag(), monitoring.job_backlog() TO musicconnect_monitor;

COMMIT;
