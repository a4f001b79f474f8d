import { useCallback, useEffect, useState } from 'react';
import { Link, Navigate } from 'react-router';
import { errorMessage, get, qs } from '../api/client';
import { buying, type CollectionItem, type DownloadFormat } from '../api/buying';
import { DownloadRow, FormatSelect } from '../components/Downloads';
import { payments } from '../api/payments';
import { formatDate, formatPrice, type ArtistDetail, type ArtistProfile, type Track } from '../api/types';
import type { Subscription } from '../api/payments';
import { useAuth } from '../auth/AuthContext';
import { TrackList } from '../components/TrackList';
import { ArtistCard, ErrorBox, Loading, TierBadge, srcSet, useAsync, useTitle } from '../components/ui';

export function LibraryPage() {
  useTitle('Library');
  const { user } = useAuth();
  // The five sections load on their own; they are shown together once all have, in place of one
  // skeleton, so that one arriving does not push the others down (a layout shift of the page).
  const [settled, setSettled] = useState<ReadonlySet<string>>(new Set());
  const onSettled = useCallback((name: string) => setSettled((s) => (s.has(name) ? s : new Set(s).add(name))), []);
  if (!user) return <Navigate to="/login?next=/library" replace />;
  const all = settled.size === 5;
  return (
    <>
      <h1>Your library</h1>
      {!all && <Loading />}
      <div hidden={!all}>
        <Collection onSettled={onSettled} />
        <Subscriptions onSettled={onSettled} />
        <Follows onSettled={onSettled} />
        <Likes onSettled={onSettled} />
        <PaymentHistory onSettled={onSettled} />
      </div>
    </>
  );
}

type Settles = { onSettled(name: string): void };
// Tells the page once the section's first load is over (with data or an error).
function useSettled(name: string, loading: boolean, { onSettled }: Settles) {
  useEffect(() => {
    if (!loading) onSettled(name);
  }, [name, loading, onSettled]);
}

// The difference charged now for the rest of the period, as the server computes it
// (src/payments/money.cpp proration: the price difference times the share of the period left,
// rounded half up).
function prorationCents(oldPrice: number, newPrice: number, start: string, end: string, now = Date.now()): number {
  const period = Date.parse(end) - Date.parse(start);
  const left = Math.min(period, Date.parse(end) - now);
  if (newPrice <= oldPrice || left <= 0 || period <= 0) return 0;
  return Math.round(((newPrice - oldPrice) * left) / period);
}

// Upgrade asks first, with the amounts: the new monthly price and what is charged today.
function UpgradeButton({ sub, onConfirm }: { sub: Subscription; onConfirm(): void }) {
  const [offer, setOffer] = useState<{ monthly: number; today: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ask = async () => {
    setError(null);
    try {
      const artist = await get<ArtistDetail>(`/api/artists/${sub.artistId}`);
      const superfan = artist.tiers.find((t) => t.tier === 'superfan');
      if (!superfan || !superfan.priceCents) throw new Error('This artist has no Superfan price set yet.');
      const today =
        sub.currentPeriodStart && sub.currentPeriodEnd
          ? prorationCents(sub.priceCents ?? 0, superfan.priceCents, sub.currentPeriodStart, sub.currentPeriodEnd)
          : 0;
      setOffer({ monthly: superfan.priceCents, today });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  if (!offer)
    return (
      <>
        <button type="button" className="btn" onClick={() => void ask()}>
          Upgrade to Superfan
        </button>
        <ErrorBox message={error} />
      </>
    );
  const currency = sub.currency ?? 'USD';
  return (
    <div className="confirm card" role="group" aria-labelledby={`upgrade-${sub.id}`} data-testid="upgrade-confirm">
      <p id={`upgrade-${sub.id}`}>
        Upgrade to Superfan for {formatPrice(offer.monthly, currency)} / month? You are charged about{' '}
        <strong>{formatPrice(offer.today, currency)}</strong> today: the difference for the rest of this period
        {sub.currentPeriodEnd ? `, until ${formatDate(sub.currentPeriodEnd)}` : ''}.
      </p>
      <p className="row">
        <button type="button" className="btn btn--primary" onClick={onConfirm} autoFocus>
          Pay {formatPrice(offer.today, currency)} and upgrade
        </button>
        <button type="button" className="btn btn--ghost" onClick={() => setOffer(null)}>
          Keep Supporter
        </button>
      </p>
    </div>
  );
}

function Subscriptions(props: Settles) {
  const subs = useAsync((s) => payments.active(s), []);
  useSettled('subscriptions', subs.loading, props);
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      subs.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="subs-h">
      <h2 id="subs-h">Memberships</h2>
      {subs.loading && !subs.data ? <Loading /> : <ErrorBox message={subs.error ?? error} />}
      {subs.data === null && <p className="muted">Memberships are not offered on this server yet.</p>}
      {subs.data && subs.data.subscriptions.length === 0 && <p className="muted">You support no one yet.</p>}
      <ul className="list">
        {subs.data?.subscriptions.map((s) => (
          <li key={s.id} className="card row-between" data-testid="subscription">
            <div>
              <Link to={`/artist/${s.artist?.slug ?? s.artistId}`}>{s.artist?.stageName ?? 'Artist'}</Link> <TierBadge tier={s.tier} />
              <p className="muted small">
                {s.status === 'past_due' ? 'payment failed: perks paused until it goes through' : s.status}
                {s.pendingTier ? ` · becomes ${s.pendingTier} at renewal` : ''}
                {s.priceCents ? ` · ${formatPrice(s.priceCents, s.currency)} / month` : ''}
                {s.currentPeriodEnd ? ` · ${s.cancelAtPeriodEnd ? 'ends' : 'renews'} ${formatDate(s.currentPeriodEnd)}` : ''}
              </p>
            </div>
            <div className="row">
              {s.status === 'active' && !s.cancelAtPeriodEnd && s.tier === 'supporter' && (
                <UpgradeButton sub={s} onConfirm={() => act(() => payments.change(s.id, 'superfan'))} />
              )}
              {s.status === 'active' && !s.cancelAtPeriodEnd && s.tier === 'superfan' && !s.pendingTier && (
                <button type="button" className="btn btn--ghost" onClick={() => act(() => payments.change(s.id, 'supporter'))}>
                  Downgrade at renewal
                </button>
              )}
              {s.cancelAtPeriodEnd ? (
                <button type="button" className="btn" onClick={() => act(() => payments.resume(s.id))}>
                  Resume
                </button>
              ) : (
                s.status !== 'canceled' && (
                  <button type="button" className="btn btn--ghost" onClick={() => act(() => payments.cancel(s.id))}>
                    Cancel at period end
                  </button>
                )
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Follows(props: Settles) {
  const list = useAsync((s) => get<{ artists: ArtistProfile[] }>(`/api/me/following${qs({ limit: 50 })}`, s), []);
  useSettled('follows', list.loading, props);
  return (
    <section aria-labelledby="follows-h">
      <h2 id="follows-h">Following</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      {list.data && list.data.artists.length === 0 && <p className="muted">Follow artists to see them here.</p>}
      <ul className="grid">
        {list.data?.artists.map((a) => (
          <ArtistCard key={a.id} artist={a} />
        ))}
      </ul>
    </section>
  );
}

function Likes(props: Settles) {
  const list = useAsync((s) => get<{ tracks: Track[] }>(`/api/me/likes${qs({ limit: 50 })}`, s), []);
  useSettled('likes', list.loading, props);
  return (
    <section aria-labelledby="likes-h">
      <h2 id="likes-h">Liked tracks</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      {list.data && (list.data.tracks.length ? <TrackList tracks={list.data.tracks} showNumbers={false} /> : <p className="muted">Tracks you like appear here.</p>)}
    </section>
  );
}

function PaymentHistory(props: Settles) {
  const list = useAsync((s) => payments.history(s), []);
  useSettled('payments', list.loading, props);
  return (
    <section aria-labelledby="pay-h">
      <h2 id="pay-h">Payment history</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      {list.data === null && <p className="muted">Payments are not offered on this server yet.</p>}
      {list.data && list.data.payments.length === 0 && <p className="muted">No payments yet.</p>}
      {list.data && list.data.payments.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Artist</th>
                <th scope="col">What</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.payments.map((p) => (
                <tr key={p.id}>
                  <td>{formatDate(p.createdAt)}</td>
                  <td>{p.artistId ? <Link to={`/artist/${p.artistId}`}>{p.artistName ?? 'Artist'}</Link> : '—'}</td>
                  <td>
                    {p.kind}
                    {p.tier ? ` (${p.tier})` : ''}
                  </td>
                  <td>
                    {formatPrice(p.amountCents, p.currency)}
                    {p.refundedCents ? ` (${formatPrice(p.refundedCents, p.currency)} refunded)` : ''}
                  </td>
                  <td>{p.status.replace(/_/g, ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// What the fan bought (docs/buying.md), with downloads of every track in the format they choose.
function Collection(props: Settles) {
  const list = useAsync((s) => buying.collection(s), []);
  useSettled('collection', list.loading, props);
  return (
    <section aria-labelledby="collection-h" id="collection">
      <h2 id="collection-h">Collection</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      {list.data && list.data.items.length === 0 && <p className="muted">Music you buy appears here, ready to download.</p>}
      <ul className="list">
        {list.data?.items.map((item) => (
          <CollectionEntry key={item.purchaseId} item={item} />
        ))}
      </ul>
    </section>
  );
}

function CollectionEntry({ item }: { item: CollectionItem }) {
  const [format, setFormat] = useState<DownloadFormat>('flac');
  const art = item.artwork && Object.keys(item.artwork).length ? item.artwork : null;
  return (
    <li className="card collection-item" data-testid="collection-item">
      <div className="collection-item__head">
        {art ? (
          <img className="cover" src={Object.values(art)[0]} srcSet={srcSet(art)} sizes="64px" width={64} height={64} alt="" />
        ) : (
          <div className="cover" aria-hidden="true">
            {item.title.slice(0, 1)}
          </div>
        )}
        <div>
          <p>
            {item.releaseId && item.itemType === 'release' ? (
              <Link to={`/artist/${item.artist.slug}/release/${item.releaseId}`}>{item.title}</Link>
            ) : (
              <Link to={`/track/${item.itemId}`}>{item.title}</Link>
            )}{' '}
            by <Link to={`/artist/${item.artist.slug}`}>{item.artist.stageName}</Link>
          </p>
          <p className="muted small">
            Bought {formatDate(item.purchasedAt)} for {formatPrice(item.amountCents, item.currency)}
          </p>
        </div>
      </div>
      <FormatSelect value={format} onChange={setFormat} />
      <ol className="tracks">
        {item.tracks.map((t) => (
          <DownloadRow key={t.id} trackId={t.id} title={t.title} position={t.position} ready={t.downloadable} format={format} testId="collection-track" />
        ))}
      </ol>
    </li>
  );
}
