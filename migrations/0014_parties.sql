-- Listening parties (SPEC §4.10, docs/parties.md). The playback state is authoritative here: the
-- track at `queue_index`, `position_ms` at the instant `state_at`, and whether it plays on from it.
CREATE TABLE parties (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    artist_id      uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    min_tier       text NOT NULL DEFAULT 'free' CHECK (min_tier IN ('free', 'supporter', 'superfan')),
    capacity       integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
    queue          uuid[] NOT NULL CHECK (cardinality(queue) BETWEEN 1 AND 200),
    status         text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'live', 'ended')),
    scheduled_at   timestamptz,
    started_at     timestamptz,
    ended_at       timestamptz,
    queue_index    integer NOT NULL DEFAULT 0,
    position_ms    bigint NOT NULL DEFAULT 0,
    playing        boolean NOT NULL DEFAULT false,
    state_at       timestamptz NOT NULL DEFAULT now(),
    state_version  integer NOT NULL DEFAULT 0,
    peak_listeners integer NOT NULL DEFAULT 0,
    message_count  integer NOT NULL DEFAULT 0,
    reaction_count integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parties_artist_idx ON parties (artist_id, created_at DESC);
CREATE INDEX parties_live_idx ON parties (status) WHERE status <> 'ended';

CREATE TABLE party_cohosts (
    party_id uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (party_id, user_id)
);

-- Participants the host muted: they may listen but not chat or react.
CREATE TABLE party_mutes (
    party_id uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (party_id, user_id)
);

CREATE TABLE party_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_id   uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX party_messages_party_idx ON party_messages (party_id, id DESC);
