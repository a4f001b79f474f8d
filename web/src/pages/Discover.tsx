import { Cover } from '../components/Cover';
import { Link } from 'react-router';
import { get, ifOffered, qs } from '../api/client';
import type { ArtistList, Release, Track } from '../api/types';
import { ArtistCard, ErrorBox, Loading, useAsync, useTitle } from '../components/ui';
import { TrackList } from '../components/TrackList';
import { useAuth } from '../auth/AuthContext';

type Discovery = { type: string; releases?: (Release & { artistName?: string; artistSlug?: string })[]; tracks?: (Track & { artistName?: string; artistSlug?: string })[] };

export function DiscoverPage() {
  useTitle('Discover');
  const { user } = useAuth();
  const artists = useAsync((s) => get<ArtistList>(`/api/artists${qs({ limit: 12 })}`, s), []);
  const fresh = useAsync((s) => ifOffered(get<Discovery>(`/api/discovery${qs({ type: 'new', limit: 12 })}`, s)), []);
  const trending = useAsync((s) => ifOffered(get<Discovery>(`/api/discovery${qs({ type: 'trending', limit: 10 })}`, s)), []);
  // The three lists appear together, in place of one skeleton: filled in one by one, each would push
  // the ones below it down as it arrived (a layout shift of most of the page).
  const settled = !artists.loading && !fresh.loading && !trending.loading;
  return (
    <>
      <section className="hero">
        <h1>Discover independent music</h1>
        <p className="muted">Stream, follow and support the artists you love directly.</p>
        {user && (
          <p>
            <Link to="/feed" className="btn">
              Your feed: news from artists you follow
            </Link>
          </p>
        )}
      </section>

      {!settled && <Loading />}

      {settled && trending.data !== null && <section aria-labelledby="trending-h">
        <h2 id="trending-h">Trending now</h2>
        <ErrorBox message={trending.error} />
        {trending.data?.tracks && (trending.data.tracks.length ? <TrackList tracks={trending.data.tracks} showNumbers={false} /> : <p className="muted">Nothing is trending yet.</p>)}
      </section>}

      {settled && fresh.data !== null && <section aria-labelledby="new-h">
        <h2 id="new-h">New releases</h2>
        <ErrorBox message={fresh.error} />
        {fresh.data?.releases && (
          <ul className="grid">
            {fresh.data.releases.map((r) => (
              <li key={r.id} className="card">
                <Cover art={r.cover} title={r.title} size="medium" />
                <Link to={`/artist/${r.artistSlug ?? r.artistId}/release/${r.id}`} className="card__title">
                  {r.title}
                </Link>
                <p className="muted small">
                  {r.artistName ? `${r.artistName} · ` : ''}
                  {r.kind.toUpperCase()}
                </p>
              </li>
            ))}
            {fresh.data.releases.length === 0 && <li className="muted">No releases yet.</li>}
          </ul>
        )}
      </section>}

      {settled && <section aria-labelledby="artists-h">
        <h2 id="artists-h">Artists</h2>
        <ErrorBox message={artists.error} />
        {artists.data && (
          <ul className="grid">
            {artists.data.artists.map((a) => (
              <ArtistCard key={a.id} artist={a} />
            ))}
            {artists.data.artists.length === 0 && <li className="muted">No artists yet.</li>}
          </ul>
        )}
      </section>}
    </>
  );
}
