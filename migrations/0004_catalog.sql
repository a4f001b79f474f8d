-- Artists, the social graph, tiers, memberships and the catalog (releases and tracks).

ALTER TABLE artist_profiles
    ADD COLUMN bio              text NOT NULL DEFAULT '',
    ADD COLUMN genres           text[] NOT NULL DEFAULT '{}',
    ADD COLUMN location_city    text,
    ADD COLUMN location_country text,
    ADD COLUMN links            jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN avatar_key       text,
    ADD COLUMN banner_key       text,
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now();
UPDATE artist_profiles SET genres = ARRAY[genre] WHERE genre IS NOT NULL;
CREATE INDEX artist_profiles_genres_idx ON artist_profiles USING gin (genres);
CREATE INDEX artist_profiles_created_idx ON artist_profiles (created_at DESC, user_id);
CREATE INDEX artist_profiles_stage_name_idx ON artist_profiles (lower(stage_name) text_pattern_ops);

CREATE TABLE follows (
    fan_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id  uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fan_id, artist_id)
);
CREATE INDEX follows_artist_idx ON follows (artist_id, created_at DESC);

-- The two paid tiers of each artist (free needs no row). Prices in integer cents.
CREATE TABLE artist_tiers (
    artist_id   uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    tier        text NOT NULL CHECK (tier IN ('supporter', 'superfan')),
    price_cents integer NOT NULL CHECK (price_cents BETWEEN 100 AND 100000),
    currency    text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    perks       text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (artist_id, tier)
);

-- A fan's paid membership of one artist. The memberships/payments work fills in the money side;
-- tier resolution reads only tier, status and current_period_end.
CREATE TABLE subscriptions (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    fan_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id            uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    tier                 text NOT NULL CHECK (tier IN ('supporter', 'superfan')),
    status               text NOT NULL CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled')),
    current_period_end   timestamptz NOT NULL,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- At most one live subscription per fan and artist.
CREATE UNIQUE INDEX subscriptions_live_key ON subscriptions (fan_id, artist_id)
    WHERE status IN ('incomplete', 'active', 'past_due');
CREATE INDEX subscriptions_artist_idx ON subscriptions (artist_id, status);

CREATE TABLE releases (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    artist_id   uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    title       text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('single', 'ep', 'album')),
    genre       text,
    tags        text[] NOT NULL DEFAULT '{}',
    credits     jsonb NOT NULL DEFAULT '[]',
    cover_key   text,
    min_tier    text NOT NULL DEFAULT 'free' CHECK (min_tier IN ('free', 'supporter', 'superfan')),
    release_at  timestamptz,
    published   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX releases_artist_idx ON releases (artist_id, created_at DESC);
CREATE INDEX releases_new_idx ON releases (release_at DESC NULLS LAST) WHERE published;

CREATE TABLE tracks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    release_id      uuid NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    artist_id       uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position > 0),
    title           text NOT NULL,
    min_tier        text NOT NULL DEFAULT 'free' CHECK (min_tier IN ('free', 'supporter', 'superfan')),
    release_at      timestamptz,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'processing', 'ready', 'failed')),
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    duration_s      double precision,
    loudness_lufs   double precision,
    gain_db         double precision,
    peaks           jsonb,
    rungs           integer[] NOT NULL DEFAULT '{}',
    original_key    text,
    original_format text,
    artwork_key     text,
    credits         jsonb NOT NULL DEFAULT '[]',
    tags            text[] NOT NULL DEFAULT '{}',
    play_count      bigint NOT NULL DEFAULT 0,
    like_count      bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Immediate, so a clash is reported at insert; reordering defers it in its own transaction.
    UNIQUE (release_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX tracks_artist_idx ON tracks (artist_id, created_at DESC);
