import { Link } from 'react-router';
import { get, ifOffered, qs } from '../api/client';
import { TIER_LABEL, formatDate, type Party } from '../api/types';
import { useAsync } from '../components/ui';

// On an artist's page: their live and upcoming listening parties (left out when there are none).
export function ArtistParties({ artistId, isOwner }: { artistId: string; isOwner: boolean }) {
  const list = useAsync((s) => ifOffered(get<{ parties: Party[] }>(`/api/parties${qs({ artistId, limit: 10 })}`, s)), [artistId]);
  const parties = (list.data?.parties ?? []).filter((p) => p.status !== 'ended');
  if (parties.length === 0) return null;
  return (
    <section aria-labelledby="parties-h">
      <h2 id="parties-h">Listening parties</h2>
      <ul className="party-list">
        {parties.map((p) => (
          <li key={p.id} className="card party-card" data-testid="artist-party">
            <p className="small muted">
              {p.status === 'live' ? (
                <span className="live-pill">
                  <span className="live-dot" aria-hidden="true" /> Live now
                </span>
              ) : (
                <>Starts {p.scheduledAt ? formatDate(p.scheduledAt) : 'soon'}</>
              )}
              {p.minTier !== 'free' && <> · {TIER_LABEL[p.minTier]}s and up</>}
              {p.status === 'live' && typeof p.listeners === 'number' && <> · {p.listeners} listening</>}
            </p>
            <h3>{p.title}</h3>
            <Link className={`btn ${p.status === 'live' ? 'btn--primary' : ''}`} to={`/parties/${p.id}`}>
              {p.status === 'live' ? 'Join the party' : isOwner ? 'Open the room' : 'See the party'}
              <span className="visually-hidden"> {p.title}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
