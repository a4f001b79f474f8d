import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage, get } from '../api/client';
import { payments } from '../api/payments';
import { TIER_LABEL, type ArtistDetail, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Loading, Notice, useAsync } from '../components/ui';

type Row = { tier: TierName; price: string; perks: string };

export function TiersPanel() {
  const { user } = useAuth();
  const artist = useAsync((s) => get<ArtistDetail>(`/api/artists/${user!.id}`, s), [user?.id]);
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!artist.data) return;
    setRows(
      artist.data.tiers
        .filter((t) => t.tier !== 'free')
        .map((t) => ({ tier: t.tier, price: (t.priceCents / 100).toFixed(2), perks: t.perks.join('\n') })),
    );
  }, [artist.data]);
  if (artist.loading && !artist.data) return <Loading />;
  if (!artist.data) return <ErrorBox message={artist.error} />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    const local: Record<string, string> = {};
    const tiers = rows.map((r) => {
      const cents = Math.round(Number(r.price) * 100);
      if (!/^\d+(\.\d{1,2})?$/.test(r.price.trim()) || cents < 100 || cents > 100000) {
        local[r.tier] = `${TIER_LABEL[r.tier]} monthly price must be between 1.00 and 1000.00: enter an amount such as 5.00.`;
      }
      return { tier: r.tier as 'supporter' | 'superfan', priceCents: cents, perks: r.perks.split('\n').map((p) => p.trim()).filter(Boolean) };
    });
    setErrors(local);
    if (Object.keys(local).length) return;
    try {
      const superfan = artist.data!.tiers.find((t) => t.tier === 'superfan');
      await payments.setTiers(tiers, superfan?.priceCents ?? 0);
      setSaved(true);
      artist.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section aria-labelledby="tiers-h">
      <h1 id="tiers-h">Membership tiers</h1>
      <p className="muted">Prices are monthly, in {artist.data.tiers[1]?.currency ?? 'USD'}. Existing subscribers keep their price until their next period.</p>
      <form onSubmit={submit} className="form" noValidate>
        {rows.map((r, i) => (
          <fieldset key={r.tier} className="card">
            <legend>{TIER_LABEL[r.tier]}</legend>
            <Field
              label={`${TIER_LABEL[r.tier]} monthly price`}
              inputMode="decimal"
              required
              value={r.price}
              error={errors[r.tier]}
              onChange={(e) => setRows((rs) => rs.map((x, j) => (j === i ? { ...x, price: e.target.value } : x)))}
            />
            <div className="field">
              <label htmlFor={`perks-${r.tier}`}>{TIER_LABEL[r.tier]} perks (one per line)</label>
              <textarea id={`perks-${r.tier}`} rows={4} value={r.perks} onChange={(e) => setRows((rs) => rs.map((x, j) => (j === i ? { ...x, perks: e.target.value } : x)))} />
            </div>
          </fieldset>
        ))}
        <ErrorBox message={error} />
        {saved && <Notice>Tiers saved.</Notice>}
        <button type="submit" className="btn btn--primary">
          Save tiers
        </button>
      </form>
    </section>
  );
}
