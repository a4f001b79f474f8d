import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { explain } from '../api/client';
import { buying, parseAmount, priceLabel, type Offer } from '../api/buying';
import { formatPrice } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox } from './ui';

// Buy a release or track (docs/buying.md): a fixed price, or name-your-price from a minimum. The
// checkout is the same hosted page as memberships; the purchase lands in the Library's collection.
export function BuyBox({ offer, artistName, onMine }: { offer: Offer; artistName: string; onMine: boolean }) {
  const { user } = useAuth();
  const navigate = useNavigate();
  const id = useId();
  const min = offer.priceCents ?? 0;
  const [amount, setAmount] = useState(() => (min / 100).toFixed(2));
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (offer.priceCents == null) return null;
  const what = offer.itemType === 'release' ? 'release' : 'track';
  if (offer.owned) {
    return (
      <p className="buy buy--owned" data-testid="owned">
        You own this {what}. <Link to="/library#collection">Download it from your collection</Link>
      </p>
    );
  }
  if (onMine) return <p className="muted small">For sale at {priceLabel(offer, formatPrice)}</p>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError(null);
    if (!user) {
      navigate(`/login?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    let cents: number | undefined;
    if (offer.nameYourPrice) {
      const parsed = parseAmount(amount);
      if (parsed === null) {
        setFieldError('Enter an amount such as 7.50.');
        return;
      }
      if (parsed < min) {
        setFieldError(`Pay at least ${formatPrice(min, offer.currency)}.`);
        return;
      }
      cents = parsed;
    }
    setBusy(true);
    try {
      const order = await buying.buy(offer.itemType, offer.itemId, cents);
      window.location.assign(order.checkoutUrl);
    } catch (err) {
      setError(explain(err, { amountCents: 'Your price' }));
      setBusy(false);
    }
  };
  return (
    <form className="buy card" onSubmit={submit} aria-label={`Buy ${offer.title}`}>
      <p className="buy__price">
        <strong>Buy the {what}</strong> · {priceLabel(offer, formatPrice)}
      </p>
      {offer.nameYourPrice && (
        <div className="field">
          <label htmlFor={`${id}-amount`}>Your price ({offer.currency})</label>
          <input
            id={`${id}-amount`}
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={`${id}-hint${fieldError ? ` ${id}-error` : ''}`}
          />
          <small id={`${id}-hint`} className="muted">
            {formatPrice(min, offer.currency)} or more: pay what you like to support {artistName}.
          </small>
          {fieldError && (
            <small id={`${id}-error`} className="error" role="alert">
              Your price: {fieldError}
            </small>
          )}
        </div>
      )}
      <ErrorBox message={error} />
      <button type="submit" className="btn btn--primary" disabled={busy}>
        {busy ? 'Opening checkout…' : `Buy ${what}`}
      </button>
      <p className="muted small">Includes downloads in FLAC, MP3 320 and AAC 256, and the original file.</p>
    </form>
  );
}
