-- Memberships and payments: the money side of subscriptions, checkouts, payments, payouts,
-- provider webhooks (stored before processing) and the double-entry ledger (docs/payments.md).

-- What a subscriber pays and where the provider keeps it. price_cents is fixed per subscription:
-- an artist's later price change never touches it (SPEC §2).
ALTER TABLE subscriptions
    ADD COLUMN price_cents              integer CHECK (price_cents BETWEEN 100 AND 100000),
    ADD COLUMN currency                 text CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN provider                 text NOT NULL DEFAULT 'sandbox' CHECK (provider IN ('sandbox', 'stripe')),
    ADD COLUMN provider_subscription_id text,
    ADD COLUMN provider_customer_id     text,
    ADD COLUMN current_period_start     timestamptz,
    ADD COLUMN failed_attempts          integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    -- A downgrade waits for the period end: the tier (and price) the next period will have.
    ADD COLUMN pending_tier             text CHECK (pending_tier IN ('supporter', 'superfan')),
    ADD COLUMN pending_price_cents      integer CHECK (pending_price_cents BETWEEN 100 AND 100000),
    ADD COLUMN canceled_at              timestamptz;
CREATE UNIQUE INDEX subscriptions_provider_key ON subscriptions (provider, provider_subscription_id)
    WHERE provider_subscription_id IS NOT NULL;
CREATE INDEX subscriptions_fan_idx ON subscriptions (fan_id, created_at DESC);
CREATE INDEX subscriptions_artist_tier_idx ON subscriptions (artist_id, tier, created_at DESC)
    WHERE status IN ('active', 'past_due');

-- Provider objects we create once and reuse.
CREATE TABLE provider_customers (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    text NOT NULL,
    customer_id text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, provider)
);
-- Provider prices are immutable, so a price change makes a new one (existing subscribers keep theirs).
CREATE TABLE provider_prices (
    provider    text NOT NULL,
    artist_id   uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    tier        text NOT NULL CHECK (tier IN ('supporter', 'superfan')),
    price_cents integer NOT NULL,
    currency    text NOT NULL,
    price_id    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, artist_id, tier, price_cents, currency)
);
-- An artist's payout account (Stripe Connect Express, or the sandbox's stand-in).
CREATE TABLE payout_accounts (
    artist_id          uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    provider           text NOT NULL,
    account_id         text NOT NULL,
    charges_enabled    boolean NOT NULL DEFAULT false,
    payouts_enabled    boolean NOT NULL DEFAULT false,
    details_submitted  boolean NOT NULL DEFAULT false,
    last_payout_status text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (artist_id, provider)
);
CREATE UNIQUE INDEX payout_accounts_account_key ON payout_accounts (provider, account_id);

-- One hosted checkout: a subscription's first payment or a tip.
CREATE TABLE checkouts (
    id                  uuid PRIMARY KEY,
    kind                text NOT NULL CHECK (kind IN ('subscription', 'tip')),
    fan_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id           uuid NOT NULL REFERENCES artist_profiles (user_id) ON DELETE CASCADE,
    subscription_id     uuid REFERENCES subscriptions (id) ON DELETE CASCADE,
    tier                text CHECK (tier IN ('supporter', 'superfan')),
    amount_cents        bigint NOT NULL CHECK (amount_cents > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    message             text CHECK (length(message) <= 500),
    provider            text NOT NULL,
    provider_session_id text NOT NULL,
    url                 text NOT NULL,
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'expired')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz
);
CREATE UNIQUE INDEX checkouts_session_key ON checkouts (provider, provider_session_id);
CREATE INDEX checkouts_fan_idx ON checkouts (fan_id, created_at DESC);

-- Money received. Kept when the fan or artist is deleted (the ledger refers to it).
CREATE TABLE payments (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                    text NOT NULL CHECK (kind IN ('subscription', 'proration', 'tip')),
    fan_id                  uuid REFERENCES users (id) ON DELETE SET NULL,
    artist_id               uuid REFERENCES artist_profiles (user_id) ON DELETE SET NULL,
    subscription_id         uuid REFERENCES subscriptions (id) ON DELETE SET NULL,
    tier                    text,
    amount_cents            bigint NOT NULL CHECK (amount_cents > 0),
    currency                text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    processor_fee_cents     bigint NOT NULL,
    platform_fee_cents      bigint NOT NULL,
    artist_cents            bigint NOT NULL,
    message                 text,
    provider                text NOT NULL,
    provider_ref            text NOT NULL,  -- the invoice (subscriptions) or checkout session (tips)
    provider_payment_intent text,
    provider_charge_id      text,
    status                  text NOT NULL DEFAULT 'succeeded'
        CHECK (status IN ('succeeded', 'partially_refunded', 'refunded', 'disputed', 'dispute_lost')),
    refunded_cents          bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (processor_fee_cents + platform_fee_cents + artist_cents = amount_cents)
);
CREATE UNIQUE INDEX payments_provider_ref_key ON payments (provider, provider_ref);
CREATE INDEX payments_intent_idx ON payments (provider, provider_payment_intent);
CREATE INDEX payments_charge_idx ON payments (provider, provider_charge_id);
CREATE INDEX payments_fan_idx ON payments (fan_id, created_at DESC);
CREATE INDEX payments_artist_idx ON payments (artist_id, created_at DESC);

CREATE TABLE payouts (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    artist_id            uuid REFERENCES artist_profiles (user_id) ON DELETE SET NULL,
    amount_cents         bigint NOT NULL CHECK (amount_cents >= 1000),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    trigger              text NOT NULL CHECK (trigger IN ('monthly', 'on_demand')),
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
    provider             text NOT NULL,
    account_id           text NOT NULL,
    provider_transfer_id text,
    failure_reason       text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- One payout in flight per artist and currency: a second request cannot move the same money twice.
CREATE UNIQUE INDEX payouts_one_pending_key ON payouts (artist_id, currency) WHERE status = 'pending';
CREATE INDEX payouts_artist_idx ON payouts (artist_id, created_at DESC);
CREATE UNIQUE INDEX payouts_transfer_key ON payouts (provider, provider_transfer_id);

-- Every provider event, stored before it is processed; processed_at makes processing exactly-once.
CREATE TABLE webhook_events (
    provider     text NOT NULL,
    id           text NOT NULL,
    type         text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    deliveries   integer NOT NULL DEFAULT 1,
    processed_at timestamptz,
    outcome      text,  -- processed | ignored
    last_error   text,
    PRIMARY KEY (provider, id)
);
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (received_at) WHERE processed_at IS NULL;
CREATE INDEX webhook_events_type_idx ON webhook_events (type, received_at);

-- Double-entry ledger in integer cents. An entry's sign says which way money moved for its
-- account (positive: the account gained); every transaction sums to zero per currency, which a
-- deferred constraint trigger checks at commit. Entries and transactions are append-only.
CREATE TABLE ledger_accounts (
    id       bigserial PRIMARY KEY,
    kind     text NOT NULL CHECK (kind IN ('fan_payments', 'processor_fees', 'platform_revenue',
                                           'platform_losses', 'artist_available', 'artist_in_transit',
                                           'artist_paid_out')),
    owner_id uuid,  -- the artist for artist_* accounts (no FK: the ledger outlives accounts)
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    CHECK ((kind LIKE 'artist\_%') = (owner_id IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (kind, owner_id, currency)
);

CREATE TABLE ledger_transactions (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('subscription', 'proration', 'tip', 'refund', 'dispute',
                                              'dispute_won', 'payout', 'payout_sent', 'payout_failed')),
    -- What the transaction is about, unique per kind: the second line of exactly-once.
    reference   text NOT NULL,
    payment_id  uuid REFERENCES payments (id),
    payout_id   uuid REFERENCES payouts (id),
    artist_id   uuid,
    currency    text NOT NULL,
    memo        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, reference)
);
CREATE INDEX ledger_transactions_payment_idx ON ledger_transactions (payment_id);
CREATE INDEX ledger_transactions_artist_idx ON ledger_transactions (artist_id, created_at DESC);

CREATE TABLE ledger_entries (
    id           bigserial PRIMARY KEY,
    txn_id       bigint NOT NULL REFERENCES ledger_transactions (id),
    account_id   bigint NOT NULL REFERENCES ledger_accounts (id),
    amount_cents bigint NOT NULL CHECK (amount_cents <> 0)
);
CREATE INDEX ledger_entries_txn_idx ON ledger_entries (txn_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id);

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT a.currency, sum(e.amount_cents) AS total INTO bad
      FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
     WHERE e.txn_id = NEW.txn_id
     GROUP BY a.currency HAVING sum(e.amount_cents) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in % (sum %)', NEW.txn_id, bad.currency, bad.total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE FUNCTION ledger_check_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries WHERE txn_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has fewer than two entries', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transactions_have_entries AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_has_entries();

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_append_only';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- The sandbox provider's own state: Stripe-shaped objects (checkout sessions, subscriptions,
-- invoices, charges, accounts, transfers) it creates and turns into events.
CREATE TABLE sandbox_objects (
    id         text PRIMARY KEY,
    object     text NOT NULL,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_objects_charge_intent_idx ON sandbox_objects ((data ->> 'payment_intent')) WHERE object = 'charge';
