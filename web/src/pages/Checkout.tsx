import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, useParams, useSearchParams } from 'react-router';
import { errorMessage, get } from '../api/client';
import { payments, pendingCheckout } from '../api/payments';
import { TIER_LABEL, formatPrice, type ArtistDetail, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, useAsync, useTitle } from '../components/ui';

// Checkout: the API answers with the provider's hosted page (the sandbox page, or Stripe
// Checkout), and the browser goes there; the provider sends it back to /checkout/return.
export function CheckoutPage() {
  const { artistId = '', tier = '' } = useParams();
  const { user } = useAuth();
  useTitle('Checkout');
  const artist = useAsync((s) => get<ArtistDetail>(`/api/artists/${encodeURIComponent(artistId)}`, s), [artistId]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(`/checkout/${artistId}/${tier}`)}`} replace />;
  if (artist.loading && !artist.data) return <Loading />;
  if (artist.error || !artist.data) return <ErrorBox message={artist.error} />;
  const t = artist.data.tiers.find((x) => x.tier === tier);
  if (!t || t.tier === 'free') return <ErrorBox message="There is no such membership." />;
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      const c = await payments.subscribe(artist.data!.id, t.tier as TierName);
      pendingCheckout.set({ slug: artist.data!.slug, stageName: artist.data!.stageName, tier: t.tier as TierName });
      window.location.assign(c.checkoutUrl);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>Become a {TIER_LABEL[t.tier]}</h1>
      <div className="card">
        <p>
          <strong>{artist.data.stageName}</strong> · {TIER_LABEL[t.tier]}
        </p>
        <p className="tier__price">{formatPrice(t.priceCents, t.currency)} / month</p>
        <ul className="perks">
          {t.perks.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <p className="muted small">You can cancel at any time; you keep the perks until the end of the paid period.</p>
        <ErrorBox message={error} />
        <button type="button" className="btn btn--primary" onClick={go} disabled={busy}>
          {busy ? 'Opening checkout…' : 'Continue to payment'}
        </button>
      </div>
      <p className="small">
        <Link to={`/artist/${artist.data.slug}`}>Back to {artist.data.stageName}</Link>
      </p>
    </section>
  );
}

// The payments sandbox's hosted checkout (only without Stripe): it stands in for the processor's
// page. Pay and Decline are sent with the fan's token, and only the checkout's own fan may answer.
export function SandboxCheckoutPage() {
  const { id = '' } = useParams();
  const { user } = useAuth();
  useTitle('Sandbox checkout');
  const session = useAsync((s) => payments.sandboxCheckout(id, s), [id]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(`/sandbox/checkout/${id}`)}`} replace />;
  const answer = async (pay: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const outcome = await payments.sandboxAnswer(id, pay);
      window.location.assign(outcome.redirectUrl);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  const c = session.data;
  const chosen = pendingCheckout.peek();
  return (
    <section className="narrow sandbox-checkout">
      <h1>MusicConnect sandbox checkout</h1>
      <p className="muted">No real money moves here: this page stands in for the payment processor.</p>
      {session.loading && !c && <Loading />}
      <ErrorBox message={session.error ?? error} />
      {c && (
        <div className="card">
          {chosen?.stageName && (
            <p className="sandbox-checkout__who" data-testid="sandbox-artist">
              <strong>{chosen.stageName}</strong>
              {chosen.tier ? <> · {TIER_LABEL[chosen.tier]} membership</> : null}
            </p>
          )}
          <dl className="summary">
            <dt>Item</dt>
            <dd>{c.item}</dd>
            <dt>Amount</dt>
            <dd>
              {formatPrice(c.amountCents, c.currency)}
              {c.monthly ? ' per month' : ''}
            </dd>
            <dt>Status</dt>
            <dd id="status">{c.status === 'open' ? 'Waiting for your answer' : c.status === 'complete' ? 'Paid' : 'Expired'}</dd>
          </dl>
          {c.status === 'open' && (
            <p className="row">
              <button type="button" className="btn btn--primary" onClick={() => answer(true)} disabled={busy}>
                Pay
              </button>
              <button type="button" className="btn" onClick={() => answer(false)} disabled={busy}>
                Decline
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

// Where the provider sends the fan back: /checkout/success or /checkout/cancel.
export function CheckoutResultPage({ ok }: { ok: boolean }) {
  useTitle(ok ? 'Thank you' : 'Checkout cancelled');
  const [params] = useSearchParams();
  const purchase = params.get('purchase'); // a purchase's checkout (docs/buying.md), not a membership's
  const [artist] = useState(() => pendingCheckout.take());
  const focus = useRef<HTMLHeadingElement | null>(null);
  useEffect(() => focus.current?.focus(), []);
  return (
    <section className="narrow">
      <h1 ref={focus} tabIndex={-1}>
        {ok ? 'Thank you for your support!' : 'Checkout cancelled'}
      </h1>
      <p>
        {!ok
          ? 'Nothing was charged.'
          : purchase
            ? 'Your purchase is in your collection: download it in the format you like.'
            : 'Your membership is active: its tracks are unlocked now.'}
      </p>
      <p className="row">
        {ok && purchase && (
          <Link className="btn btn--primary" to="/library#collection">
            Go to your collection
          </Link>
        )}
        {artist && (
          <Link className="btn btn--primary" to={`/artist/${artist}`}>
            Back to the artist
          </Link>
        )}
        <Link className="btn" to="/library">
          Your library
        </Link>
      </p>
    </section>
  );
}
