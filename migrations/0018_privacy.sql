-- Privacy (SPEC §4.13, docs/privacy.md): account deletion leaves an anonymous tombstone in `users`
-- (so comments and messages the other party keeps still have an author: "deleted user"), email
-- consent records, data exports, and the bookkeeping that makes deletion safe to retry.

-- A deleted account keeps its row with every personal field replaced; only live accounts need
-- unique usernames and emails, so every tombstone can be called "deleted user".
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (username) WHERE deleted_at IS NULL;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;

-- A conversation belongs to the artist's account, not to the artist's public profile: deleting an
-- artist removes the profile (and catalog) but the fan keeps the messages, from "deleted user".
ALTER TABLE conversations DROP CONSTRAINT conversations_artist_id_fkey;
ALTER TABLE conversations ADD CONSTRAINT conversations_artist_id_fkey
    FOREIGN KEY (artist_id) REFERENCES users (id) ON DELETE CASCADE;

-- Likewise a purchase (0017) is the buyer's record: it stays when the artist's page is deleted.
ALTER TABLE purchases DROP CONSTRAINT purchases_artist_id_fkey;
ALTER TABLE purchases ADD CONSTRAINT purchases_artist_id_fkey
    FOREIGN KEY (artist_id) REFERENCES users (id) ON DELETE CASCADE;

-- Consent to marketing email: every change is a new row (what, granted or withdrawn, when, where
-- from); the newest row per purpose is the current answer, no row means not given.
CREATE TABLE consent_records (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('marketing_email')),
    granted     boolean NOT NULL,
    source      text NOT NULL CHECK (source IN ('settings', 'account_deleted')),
    ip          text,
    user_agent  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_records_user_idx ON consent_records (user_id, purpose, id DESC);

-- One requested export: a job builds the archive, stores it under `storage_key`, and the owner
-- downloads it through a signed link until `expires_at`; retention then removes the object.
CREATE TABLE data_exports (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed', 'expired')),
    storage_key text,
    size_bytes  bigint,
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    expires_at  timestamptz
);
CREATE INDEX data_exports_user_idx ON data_exports (user_id, created_at DESC);
CREATE UNIQUE INDEX data_exports_one_pending_key ON data_exports (user_id) WHERE status = 'pending';
CREATE INDEX data_exports_expiry_idx ON data_exports (expires_at) WHERE status = 'ready';

-- Retention finds expired sessions and old notifications without scanning.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX notifications_created_idx ON notifications (created_at);

-- Admin basics (SPEC §4.12, docs/admin.md). A suspended account cannot sign in; its sessions were
-- revoked when it was suspended.
ALTER TABLE users
    ADD COLUMN suspended_at     timestamptz,
    ADD COLUMN suspended_reason text;

-- The audit log of admin and security-relevant actions: who (actor, null for the command line),
-- what (action, target), when, from where (address, browser). Rows are written in the transaction
-- of the action they record, and can never be changed or removed through the application.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    uuid,  -- no foreign key: the log outlives accounts
    actor_role  text,
    action      text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target_type text,
    target_id   text,
    ip          text,
    user_agent  text,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, id DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_log_append_only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
