import { useEffect, useId, useState, type FormEvent } from 'react';
import { explain } from '../api/client';
import { buying, parseAmount, priceLabel, type ItemType, type Offer } from '../api/buying';
import { formatPrice } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Notice, useAsync } from '../components/ui';

// The artist's offers, to show and edit the price of a release or its tracks.
export function useMyOffers() {
  const { user } = useAuth();
  return useAsync((s) => buying.offers(user!.id, s), [user?.id]);
}

// Sell a release or a track: a fixed price, or name-your-price from a minimum (docs/buying.md).
export function PriceForm({ type, id, title, offer, onSaved }: { type: ItemType; id: string; title: string; offer?: Offer; onSaved(): void }) {
  const fid = useId();
  const [amount, setAmount] = useState('');
  const [nyp, setNyp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    setAmount(offer?.priceCents != null ? (offer.priceCents / 100).toFixed(2) : '');
    setNyp(offer?.nameYourPrice ?? false);
  }, [offer?.priceCents, offer?.nameYourPrice]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError(null);
    setMsg(null);
    const cents = parseAmount(amount);
    if (cents === null || cents < 100 || cents > 100000) {
      setFieldError('Enter a price from 1.00 to 1000.00, such as 7.00.');
      return;
    }
    try {
      const saved = await buying.setPrice(type, id, cents, nyp);
      setMsg(`On sale at ${priceLabel(saved, formatPrice)}.`);
      onSaved();
    } catch (err) {
      setError(explain(err, { priceCents: 'Price', nameYourPrice: 'Name your price' }));
    }
  };
  const stop = async () => {
    setError(null);
    setMsg(null);
    try {
      await buying.clearPrice(type, id);
      setMsg('Not for sale any more. Fans who bought it keep it.');
      onSaved();
    } catch (err) {
      setError(explain(err));
    }
  };
  return (
    <form className="form card" onSubmit={save} aria-label={`Price of ${title}`}>
      <h2>Sell this {type}</h2>
      <p className="muted small">
        {offer?.priceCents != null ? `For sale at ${priceLabel(offer, formatPrice)}.` : 'Not for sale yet.'} Buyers download every track in FLAC, MP3 320, AAC 256 and
        the original file.
      </p>
      <div className="field">
        <label htmlFor={`${fid}-price`}>{nyp ? 'Minimum price' : 'Price'} ({offer?.currency ?? 'USD'})</label>
        <input
          id={`${fid}-price`}
          inputMode="decimal"
          value={amount}
          placeholder="7.00"
          onChange={(e) => setAmount(e.target.value)}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? `${fid}-error` : undefined}
        />
        {fieldError && (
          <small id={`${fid}-error`} className="error" role="alert">
            {nyp ? 'Minimum price' : 'Price'}: {fieldError}
          </small>
        )}
      </div>
      <div className="field field--check">
        <input id={`${fid}-nyp`} type="checkbox" checked={nyp} onChange={(e) => setNyp(e.target.checked)} />
        <label htmlFor={`${fid}-nyp`}>Name your price: fans may pay more than this</label>
      </div>
      <ErrorBox message={error} />
      {msg && <Notice>{msg}</Notice>}
      <div className="row">
        <button type="submit" className="btn btn--primary">
          Save price
        </button>
        {offer?.priceCents != null && (
          <button type="button" className="btn btn--ghost" onClick={stop}>
            Stop selling
          </button>
        )}
      </div>
    </form>
  );
}
