-- Artist analytics (SPEC §4.11, docs/analytics.md): append-only event tables partitioned by month,
-- daily rollups per artist, track and country, and the per-fan play windows, all written by the
-- analytics.rollup job.
--
-- The event tables have no foreign keys: like the ledger, history outlives tracks and accounts. An
-- account deletion anonymises its rows (user_id / fan_id set null, features/privacy).

-- Creates the monthly partitions of `parent` for `months` months from the month of `first_day`
-- (named <parent>_YYYYMM); existing ones are left alone. Returns how many it created.
CREATE FUNCTION analytics_ensure_partitions(parent text, first_day date, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first_day)::date;
    made integer := 0;
    name text;
BEGIN
    IF parent NOT IN ('play_events', 'follow_events', 'subscription_events') THEN
        RAISE EXCEPTION 'not an analytics event table: %', parent;
    END IF;
    FOR i IN 1..months LOOP
        name := parent || '_' || to_char(m, 'YYYYMM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent,
                           m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            made := made + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN made;
END $$;

-- One row per counted play. country: ISO 3166-1 alpha-2 from the edge, 'ZZ' when unknown.
CREATE TABLE play_events (
    played_at timestamptz NOT NULL DEFAULT now(),
    artist_id uuid NOT NULL,
    track_id  uuid NOT NULL,
    user_id   uuid,  -- null: an anonymous listener, or an erased account
    country   text NOT NULL DEFAULT 'ZZ' CHECK (country ~ '^[A-Z]{2}$')
) PARTITION BY RANGE (played_at);
CREATE INDEX play_events_artist_time_idx ON play_events (artist_id, played_at);
CREATE INDEX play_events_user_idx ON play_events (user_id) WHERE user_id IS NOT NULL;
CREATE TABLE play_events_default PARTITION OF play_events DEFAULT;

-- delta +1 on follow, -1 on unfollow (written by triggers on follows).
CREATE TABLE follow_events (
    at        timestamptz NOT NULL DEFAULT now(),
    artist_id uuid NOT NULL,
    fan_id    uuid,
    delta     smallint NOT NULL CHECK (delta IN (-1, 1))
) PARTITION BY RANGE (at);
CREATE INDEX follow_events_artist_time_idx ON follow_events (artist_id, at);
CREATE INDEX follow_events_fan_idx ON follow_events (fan_id) WHERE fan_id IS NOT NULL;
CREATE TABLE follow_events_default PARTITION OF follow_events DEFAULT;

-- A subscription becoming live (active or past_due), changing tier or price while live, or ending.
-- The deltas say how the artist's subscriber counts and MRR (monthly price, cents) changed, so any
-- state is the sum of the deltas before it.
CREATE TABLE subscription_events (
    at              timestamptz NOT NULL DEFAULT now(),
    artist_id       uuid NOT NULL,
    fan_id          uuid,
    subscription_id uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('start', 'change', 'end')),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    supporter_delta smallint NOT NULL,
    superfan_delta  smallint NOT NULL,
    mrr_delta_cents bigint NOT NULL
) PARTITION BY RANGE (at);
CREATE INDEX subscription_events_artist_time_idx ON subscription_events (artist_id, at);
CREATE INDEX subscription_events_subscription_idx ON subscription_events (subscription_id);
CREATE INDEX subscription_events_fan_idx ON subscription_events (fan_id) WHERE fan_id IS NOT NULL;
CREATE TABLE subscription_events_default PARTITION OF subscription_events DEFAULT;

-- Thirteen months back (a year of history and the current month) and three ahead.
SELECT analytics_ensure_partitions(t, (now() AT TIME ZONE 'UTC')::date - 400, 18)
  FROM unnest(ARRAY['play_events', 'follow_events', 'subscription_events']) t;

CREATE FUNCTION analytics_follow_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO follow_events (at, artist_id, fan_id, delta) VALUES (NEW.created_at, NEW.artist_id, NEW.fan_id, 1);
    ELSE
        INSERT INTO follow_events (artist_id, fan_id, delta) VALUES (OLD.artist_id, OLD.fan_id, -1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER follows_analytics AFTER INSERT OR DELETE ON follows
    FOR EACH ROW EXECUTE FUNCTION analytics_follow_event();

-- Live: active or past_due (the fan still has the tier). The counted price of a subscription is the
-- sum of its earlier MRR deltas, so an end takes away exactly what the start and changes added. A
-- start is dated at the first paid period's start when that is earlier (never later) than now.
CREATE FUNCTION analytics_subscription_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_live boolean := TG_OP <> 'INSERT' AND OLD.status IN ('active', 'past_due');
    is_live boolean := TG_OP <> 'DELETE' AND NEW.status IN ('active', 'past_due');
    s subscriptions;
    counted record;
    price bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN s := OLD; ELSE s := NEW; END IF;
    SELECT coalesce(sum(supporter_delta), 0) AS sup, coalesce(sum(superfan_delta), 0) AS sf,
           coalesce(sum(mrr_delta_cents), 0) AS mrr, min(currency) AS currency
      INTO counted FROM subscription_events WHERE subscription_id = s.id;
    price := coalesce(s.price_cents, (SELECT t.price_cents FROM artist_tiers t
                                       WHERE t.artist_id = s.artist_id AND t.tier = s.tier), 0);
    -- Nothing to record when what is counted already matches (history loaded ahead of the row).
    IF (is_live AND (s.tier = 'supporter')::int = counted.sup AND (s.tier = 'superfan')::int = counted.sf
        AND price = counted.mrr) OR (NOT is_live AND counted.sup = 0 AND counted.sf = 0 AND counted.mrr = 0) THEN
        RETURN NULL;
    END IF;
    IF is_live AND (NOT was_live OR OLD.tier IS DISTINCT FROM NEW.tier
                    OR OLD.price_cents IS DISTINCT FROM NEW.price_cents) THEN
        INSERT INTO subscription_events (at, artist_id, fan_id, subscription_id, kind, currency, supporter_delta,
                                         superfan_delta, mrr_delta_cents)
        VALUES (CASE WHEN was_live THEN now() ELSE least(now(), coalesce(s.current_period_start, now())) END,
                s.artist_id, s.fan_id, s.id, CASE WHEN was_live THEN 'change' ELSE 'start' END,
                coalesce(counted.currency, s.currency, 'USD'),
                (s.tier = 'supporter')::int - counted.sup, (s.tier = 'superfan')::int - counted.sf,
                price - counted.mrr);
    ELSIF was_live AND NOT is_live THEN
        INSERT INTO subscription_events (artist_id, fan_id, subscription_id, kind, currency, supporter_delta,
                                         superfan_delta, mrr_delta_cents)
        VALUES (s.artist_id, s.fan_id, s.id, 'end', coalesce(counted.currency, s.currency, 'USD'),
                -counted.sup, -counted.sf, -counted.mrr);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER subscriptions_analytics AFTER INSERT OR UPDATE OR DELETE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION analytics_subscription_event();

-- History so far: counted plays (country unknown), current follows, live subscriptions.
INSERT INTO play_events (played_at, artist_id, track_id, user_id)
SELECT p.played_at, t.artist_id, p.track_id, p.user_id FROM plays p JOIN tracks t ON t.id = p.track_id;
INSERT INTO follow_events (at, artist_id, fan_id, delta) SELECT created_at, artist_id, fan_id, 1 FROM follows;
INSERT INTO subscription_events (at, artist_id, fan_id, subscription_id, kind, currency, supporter_delta,
                                 superfan_delta, mrr_delta_cents)
SELECT coalesce(current_period_start, created_at), artist_id, fan_id, id, 'start', coalesce(currency, 'USD'),
       (tier = 'supporter')::int, (tier = 'superfan')::int,
       coalesce(price_cents, (SELECT t.price_cents FROM artist_tiers t WHERE t.artist_id = s.artist_id
                                                                      AND t.tier = s.tier), 0)
  FROM subscriptions s WHERE status IN ('active', 'past_due');

-- The rollup reads the ledger by day; the naive figures read it by artist.
CREATE INDEX ledger_transactions_artist_time_idx ON ledger_transactions (artist_id, created_at);

-- Rollups. Every day before analytics_state.rolled_until is in them; later events are read raw.
CREATE TABLE analytics_state (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    rolled_until  date,  -- null: nothing rolled up yet
    fans_as_of    date,  -- the rolled_until that analytics_fan_windows was computed for
    rolled_at     timestamptz
);
INSERT INTO analytics_state DEFAULT VALUES;

-- Per artist and day: plays, distinct signed-in listeners, follows and unfollows.
CREATE TABLE analytics_daily (
    artist_id uuid NOT NULL,
    day       date NOT NULL,
    plays     bigint NOT NULL DEFAULT 0,
    listeners bigint NOT NULL DEFAULT 0,
    follows   bigint NOT NULL DEFAULT 0,
    unfollows bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (artist_id, day)
);
CREATE TABLE analytics_track_daily (
    artist_id uuid NOT NULL,
    day       date NOT NULL,
    track_id  uuid NOT NULL,
    plays     bigint NOT NULL,
    PRIMARY KEY (artist_id, day, track_id)
);
CREATE TABLE analytics_country_daily (
    artist_id uuid NOT NULL,
    day       date NOT NULL,
    country   text NOT NULL,
    plays     bigint NOT NULL,
    PRIMARY KEY (artist_id, day, country)
);
-- Subscription starts/ends and the deltas of the state, per artist, day and currency.
CREATE TABLE analytics_subscription_daily (
    artist_id       uuid NOT NULL,
    day             date NOT NULL,
    currency        text NOT NULL,
    starts          bigint NOT NULL,
    ends            bigint NOT NULL,
    supporter_delta bigint NOT NULL,
    superfan_delta  bigint NOT NULL,
    mrr_delta_cents bigint NOT NULL,
    PRIMARY KEY (artist_id, day, currency)
);
-- Money from the ledger, per artist, day and currency: gross = what fans paid (subscriptions,
-- prorations, tips); net = what reached the artist's balance (their share, less refunds and
-- disputes, plus disputes won).
CREATE TABLE analytics_revenue_daily (
    artist_id   uuid NOT NULL,
    day         date NOT NULL,
    currency    text NOT NULL,
    gross_cents bigint NOT NULL,
    net_cents   bigint NOT NULL,
    PRIMARY KEY (artist_id, day, currency)
);
-- Plays per fan over the N-1 days before fans_as_of (for the N-day periods: today is read raw), so
-- a period's distinct listeners and top fans need one row per fan instead of every play.
CREATE TABLE analytics_fan_windows (
    artist_id  uuid NOT NULL,
    user_id    uuid NOT NULL,
    plays_7d   bigint NOT NULL,
    plays_30d  bigint NOT NULL,
    plays_90d  bigint NOT NULL,
    plays_365d bigint NOT NULL,
    PRIMARY KEY (artist_id, user_id)
);
