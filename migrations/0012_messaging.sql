-- Direct messages (SPEC §4.8, docs/messaging.md). A conversation is between one artist and one fan;
-- a superfan opens it, the artist replies. Messages are ordered by `seq`, which is also the cursor.
CREATE TABLE conversations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    artist_id       uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    fan_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (artist_id, fan_id),
    CHECK (artist_id <> fan_id)
);
CREATE INDEX conversations_fan_idx ON conversations (fan_id, last_message_at DESC);
CREATE INDEX conversations_artist_idx ON conversations (artist_id, last_message_at DESC);

-- Each participant's own view of a conversation: how far they have read, and whether it is muted.
CREATE TABLE conversation_members (
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq   bigint NOT NULL DEFAULT 0,
    muted           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user_idx ON conversation_members (user_id);

CREATE TABLE messages (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    sender_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body            text NOT NULL CHECK (char_length(body) <= 2000),
    attachment      jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    search          tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, seq DESC);
CREATE INDEX messages_search_idx ON messages USING gin (search);

-- A user who blocked another: the blocked one can no longer send them messages.
CREATE TABLE user_blocks (
    blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id)
);

-- The superfan's monthly allowance of messages to one artist (SPEC §2), counted atomically: the
-- upsert that takes a message's place only succeeds while `used` is below the allowance.
CREATE TABLE dm_quota (
    fan_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    month     date NOT NULL,
    used      integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (fan_id, artist_id, month)
);
