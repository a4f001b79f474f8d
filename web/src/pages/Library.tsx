import { useState } from 'react';
import { Link, Navigate } from 'react-router';
import { errorMessage, get, qs } from '../api/client';
import { payments } from '../api/payments';
import { formatDate, formatPrice, type ArtistProfile, type Track } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { TrackList } from '../components/TrackList';
import { ArtistCard, ErrorBox, Loading, TierBadge, useAsync, useTitle } from '../components/ui';

export function LibraryPage() {
  useTitle('Library');
  const { user } = useAuth();
  if (!user) return <Navigate to="/login?next=/library" replace />;
  return (
    <>
      <h1>Your library</h1>
      <Subscriptions />
      <Follows />
      <Likes />
      <PaymentHistory />
    </>
  );
}

function Subscriptions() {
  const subs = useAsync((s) => payments.active(s), []);
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
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    window.confirm('Upgrade now? The difference for the rest of this period is charged today.') &&
                    act(() => payments.change(s.id, 'superfan'))
                  }
                >
                  Upgrade to Superfan
                </button>
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

function Follows() {
  const list = useAsync((s) => get<{ artists: ArtistProfile[] }>(`/api/me/following${qs({ limit: 50 })}`, s), []);
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

function Likes() {
  const list = useAsync((s) => get<{ tracks: Track[] }>(`/api/me/likes${qs({ limit: 50 })}`, s), []);
  return (
    <section aria-labelledby="likes-h">
      <h2 id="likes-h">Liked tracks</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      {list.data && (list.data.tracks.length ? <TrackList tracks={list.data.tracks} showNumbers={false} /> : <p className="muted">Tracks you like appear here.</p>)}
    </section>
  );
}

function PaymentHistory() {
  const list = useAsync((s) => payments.history(s), []);
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
