-- Buying music (docs/buying.md): prices on releases and tracks, purchases (one order per fan and
-- item while it is pending or owned), and download renditions made on demand and cached.

-- A release or track is for sale when price_cents is set: a fixed price, or with name_your_price
-- the least a fan may pay (fans may always pay more). Integer cents in the artist's currency.
ALTER TABLE releases
    ADD COLUMN price_cents     integer CHECK (price_cents BETWEEN 100 AND 100000),
    ADD COLUMN name_your_price boolean NOT NULL DEFAULT false;
ALTER TABLE tracks
    ADD COLUMN price_cents     integer CHECK (price_cents BETWEEN 100 AND 100000),
    ADD COLUMN name_your_price boolean NOT NULL DEFAULT false;

-- A release's liner notes (issue 13): a description next to the existing credits.
ALTER TABLE releases ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000);

-- Deleting a release that was bought or played archives it instead (docs/catalog.md): unpublished,
-- kept for its buyers' collections and the sales history.
ALTER TABLE releases ADD COLUMN archived_at timestamptz;

-- Purchases go through the same checkouts, payments and ledger as memberships and tips.
ALTER TABLE checkouts DROP CONSTRAINT checkouts_kind_check;
ALTER TABLE checkouts ADD CONSTRAINT checkouts_kind_check CHECK (kind IN ('subscription', 'tip', 'purchase'));
ALTER TABLE payments DROP CONSTRAINT payments_kind_check;
ALTER TABLE payments ADD CONSTRAINT payments_kind_check CHECK (kind IN ('subscription', 'proration', 'tip', 'purchase'));
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
    CHECK (kind IN ('subscription', 'proration', 'tip', 'purchase', 'refund', 'dispute', 'dispute_won',
                    'payout', 'payout_sent', 'payout_failed'));

-- One order: pending from "buy" until its checkout is paid (active) or abandoned (expired); a
-- refund or dispute revokes it. The item is named by type and id without a foreign key, so an
-- archived or deleted item never rewrites what was sold.
CREATE TABLE purchases (
    id           uuid PRIMARY KEY,
    fan_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id    uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    item_type    text NOT NULL CHECK (item_type IN ('release', 'track')),
    item_id      uuid NOT NULL,
    item_title   text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'expired', 'revoked')),
    checkout_id  uuid UNIQUE,
    payment_id   uuid REFERENCES payments (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    revoked_at   timestamptz
);
-- A double click on "buy" makes one order: the second insert conflicts.
CREATE UNIQUE INDEX purchases_one_live_key ON purchases (fan_id, item_type, item_id)
    WHERE status IN ('pending', 'active');
CREATE INDEX purchases_fan_idx ON purchases (fan_id, created_at DESC) WHERE status = 'active';
CREATE INDEX purchases_payment_idx ON purchases (payment_id);
CREATE INDEX purchases_item_idx ON purchases (item_type, item_id) WHERE status = 'active';

-- Download renditions of one upload (media version) of a track, made by the `downloads.render`
-- job the first time someone asks and kept for everyone after.
CREATE TABLE track_renditions (
    track_id      uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    media_version integer NOT NULL,
    format        text NOT NULL CHECK (format IN ('flac', 'mp3_320', 'aac_256')),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    storage_key   text,
    size_bytes    bigint,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (track_id, media_version, format)
);
