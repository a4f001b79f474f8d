-- Analytics (docs/analytics.md, "Reading a dashboard"): with the per-fan windows, the number of
-- listeners and the top fans of each artist and window, so that a dashboard reads ten rows instead
-- of a row per listener of the year (81,000 for the busiest artist of the large demo catalogue);
-- and the per-day track and country rollups' keys carry the plays, so a year of an artist's days
-- is an index-only scan instead of a heap page per row.
-- Additive for the previous release: it never reads the new tables, and the keys keep their
-- columns (the figures are only included).
CREATE TABLE analytics_fan_listeners (
    artist_id uuid NOT NULL,
    days      int NOT NULL CHECK (days IN (7, 30, 90, 365)),
    listeners bigint NOT NULL,
    PRIMARY KEY (artist_id, days)
);
-- The top ten of each window by plays (ties by user id), fans with plays only.
CREATE TABLE analytics_fan_top (
    artist_id uuid NOT NULL,
    days      int NOT NULL CHECK (days IN (7, 30, 90, 365)),
    user_id   uuid NOT NULL,
    plays     bigint NOT NULL CHECK (plays > 0),
    PRIMARY KEY (artist_id, days, user_id)
);

ALTER TABLE analytics_track_daily DROP CONSTRAINT analytics_track_daily_pkey,
    ADD PRIMARY KEY (artist_id, day, track_id) INCLUDE (plays);
ALTER TABLE analytics_country_daily DROP CONSTRAINT analytics_country_daily_pkey,
    ADD PRIMARY KEY (artist_id, day, country) INCLUDE (plays);

-- The day the two tables were written for. Windows count only where it equals fans_as_of: a
-- previous release's worker rebuilding the windows (during a canary) leaves them stale, and the
-- dashboard then reads raw events and the next rollup of this release writes them again.
ALTER TABLE analytics_state ADD COLUMN fan_summary_as_of date;
