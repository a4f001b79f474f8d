-- Moderation (SPEC §4.12, docs/admin.md): one reports model for tracks, posts, comments, messages
-- and users (it replaces 0006's comment_reports), hidden content, and feature flags. Additive only:
-- the previous release keeps working on this schema (hidden content is simply not filtered by it).

CREATE TABLE reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the queue's order and cursor
    target_type   text NOT NULL CHECK (target_type IN ('track', 'post', 'comment', 'message', 'user')),
    target_id     uuid NOT NULL,  -- no foreign key: the target's table depends on target_type
    reporter_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason        text NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'sexual', 'violence',
                                                  'self_harm', 'copyright', 'impersonation', 'other')),
    note          text CHECK (char_length(note) BETWEEN 1 AND 500),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    resolution    text CHECK (char_length(resolution) <= 500),
    resolved_by   uuid,  -- the admin; no foreign key, like audit_log: the decision outlives accounts
    resolved_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'open') = (resolved_at IS NULL))
);
-- One open report per reporter and target (a second one is the same report); once decided, the
-- reporter may report the target again (e.g. after it was restored).
CREATE UNIQUE INDEX reports_open_once_key ON reports (target_type, target_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_open_idx ON reports (target_type, target_id) WHERE status = 'open';
CREATE INDEX reports_status_idx ON reports (status, id);
CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at DESC);

-- The comment reports so far become comment reports of the one model. Their free-text reason is
-- kept as the note unless it is one of the reasons. This migration is additive (expand/contract,
-- docs/infrastructure.md "Schema changes"): comment_reports stays for one release, because the
-- release before this one still writes it during a rolling deploy; a trigger copies those rows into
-- reports. This binary never touches comment_reports except for account deletion and export; a
-- later migration drops it with its trigger.
CREATE FUNCTION comment_report_reason(r text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN r IN ('spam', 'harassment', 'hate', 'sexual', 'violence', 'self_harm', 'copyright',
                           'impersonation', 'other') THEN r ELSE 'other' END $$;
INSERT INTO reports (target_type, target_id, reporter_id, reason, note, created_at)
SELECT 'comment', comment_id, reporter_id, comment_report_reason(reason),
       CASE WHEN comment_report_reason(reason) = reason THEN NULL ELSE left(reason, 500) END, created_at
  FROM comment_reports ORDER BY created_at;
CREATE FUNCTION comment_reports_to_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports (target_type, target_id, reporter_id, reason, note, created_at)
    VALUES ('comment', NEW.comment_id, NEW.reporter_id, comment_report_reason(NEW.reason),
            CASE WHEN comment_report_reason(NEW.reason) = NEW.reason THEN NULL ELSE left(NEW.reason, 500) END,
            NEW.created_at)
    ON CONFLICT (target_type, target_id, reporter_id) WHERE status = 'open' DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER comment_reports_to_reports AFTER INSERT ON comment_reports
    FOR EACH ROW EXECUTE FUNCTION comment_reports_to_reports();

-- Hidden by an admin: gone from every public read path, kept for the admin (and the author).
ALTER TABLE tracks ADD COLUMN hidden_at timestamptz;
ALTER TABLE posts ADD COLUMN hidden_at timestamptz;
ALTER TABLE comments ADD COLUMN hidden_at timestamptz;
ALTER TABLE messages ADD COLUMN hidden_at timestamptz;

-- Feature flags: on for the targeted users, and for rollout_percent of the others by a stable hash
-- of (key, user id) (docs/admin.md "Feature flags").
CREATE TABLE feature_flags (
    key             text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    enabled         boolean NOT NULL DEFAULT false,
    rollout_percent int NOT NULL DEFAULT 0 CHECK (rollout_percent BETWEEN 0 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE feature_flag_users (
    flag_key text NOT NULL REFERENCES feature_flags (key) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (flag_key, user_id)
);
CREATE INDEX feature_flag_users_user_idx ON feature_flag_users (user_id);
