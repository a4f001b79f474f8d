-- Likes and play counting (SPEC §4.3).
CREATE TABLE likes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id   uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
CREATE INDEX likes_track_idx ON likes (track_id, created_at DESC);

-- A play counts once per listener per track per 30 minutes: the window row remembers the last
-- counted play; plays keeps every counted play for trending and analytics.
CREATE TABLE play_windows (
    listener_key text NOT NULL,
    track_id     uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    counted_at   timestamptz NOT NULL,
    PRIMARY KEY (listener_key, track_id)
);
CREATE TABLE plays (
    id         bigserial PRIMARY KEY,
    track_id   uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    played_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plays_track_time_idx ON plays (track_id, played_at DESC);
CREATE INDEX plays_time_idx ON plays (played_at DESC);
