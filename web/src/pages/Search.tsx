import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { explain, get, qs } from '../api/client';
import { TIER_LABEL, type TierName } from '../api/types';
import { ErrorBox, Loading, Pager, useAsync, useTitle } from '../components/ui';
import { Icon } from '../components/Icon';

type Locked = { requiredTier?: string | null; availableAt?: string | null; reason?: string } | null;
type Result =
  | { type: 'artist'; score: number; artist: { id: string; stageName: string; slug: string; genres: string[]; followerCount: number } }
  | { type: 'release'; score: number; release: { id: string; title: string; kind: string; artistName: string; artistSlug: string; genre: string | null; locked: Locked } }
  | { type: 'track'; score: number; track: { id: string; title: string; artistName: string; artistSlug: string; genre: string | null; locked: Locked } }
  | { type: 'post'; score: number; post: { id: string; title: string; artistName: string; artistSlug: string; locked: Locked } };
type SearchResponse = {
  total: number;
  allWordsMatched?: boolean;
  page: number;
  limit: number;
  facets: { type: Record<string, number>; genre: { genre: string; count: number }[] };
  results: Result[];
};

const TYPES = [
  ['', 'Everything'],
  ['artist', 'Artists'],
  ['release', 'Releases'],
  ['track', 'Tracks'],
  ['post', 'Posts'],
] as const;

function LockNote({ locked }: { locked: Locked }) {
  if (!locked) return null;
  const text =
    locked.reason === 'followers'
      ? 'For followers'
      : locked.requiredTier
        ? `For ${TIER_LABEL[locked.requiredTier as TierName] ?? locked.requiredTier} members`
        : 'Coming soon';
  return (
    <span className="lock" data-testid="search-teaser">
      <Icon name="lock" size={14} /> {text}
    </span>
  );
}

function ResultItem({ r }: { r: Result }) {
  switch (r.type) {
    case 'artist':
      return (
        <li className="card search-result" data-testid="search-result">
          <Link to={`/artist/${r.artist.slug}`} className="card__title">
            {r.artist.stageName}
          </Link>
          <span className="muted small">
            Artist · {r.artist.genres.join(', ') || 'no genre yet'} · {r.artist.followerCount} follower{r.artist.followerCount === 1 ? '' : 's'}
          </span>
        </li>
      );
    case 'release':
      return (
        <li className="card search-result" data-testid="search-result">
          <Link to={`/artist/${r.release.artistSlug}/release/${r.release.id}`} className="card__title">
            {r.release.title}
          </Link>
          <span className="muted small">
            {r.release.kind.toUpperCase()} by {r.release.artistName}
            {r.release.genre ? ` · ${r.release.genre}` : ''}
          </span>
          <LockNote locked={r.release.locked} />
        </li>
      );
    case 'track':
      return (
        <li className="card search-result" data-testid="search-result">
          <Link to={`/track/${r.track.id}`} className="card__title">
            {r.track.title}
          </Link>
          <span className="muted small">
            Track by {r.track.artistName}
            {r.track.genre ? ` · ${r.track.genre}` : ''}
          </span>
          <LockNote locked={r.track.locked} />
        </li>
      );
    default:
      return (
        <li className="card search-result" data-testid="search-result">
          <Link to={`/artist/${r.post.artistSlug}#post-${r.post.id}`} className="card__title">
            {r.post.title}
          </Link>
          <span className="muted small">Post by {r.post.artistName}</span>
          <LockNote locked={r.post.locked} />
        </li>
      );
  }
}

// Search across artists, releases, tracks and posts: typo-tolerant and ranked by the server, with
// facets by type and genre; a genre alone is that genre's page.
export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const genre = params.get('genre') ?? '';
  const type = params.get('type') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const [text, setText] = useState(q);
  const [formError, setFormError] = useState<string | null>(null);
  useEffect(() => setText(q), [q]);
  useTitle(q ? `Search: ${q}` : genre ? `Genre: ${genre}` : 'Search');
  const genres = useAsync((s) => get<{ genres: { id?: string; slug?: string; name?: string }[] | string[] }>('/api/genres', s), []);
  const active = Boolean(q || genre);
  const results = useAsync(
    (s) =>
      active
        ? get<SearchResponse>(`/api/search${qs({ q, genre, type, page, limit: 20 })}`, s).catch((e) => {
            throw new Error(explain(e, { q: 'Search', genre: 'Genre', type: 'Type', page: 'Page' }));
          })
        : Promise.resolve(null),
    [q, genre, type, page],
  );
  const go = (next: { q?: string; genre?: string; type?: string; page?: number }) => {
    const v = { q, genre, type, ...next };
    setParams({
      ...(v.q ? { q: v.q } : {}),
      ...(v.genre ? { genre: v.genre } : {}),
      ...(v.type ? { type: v.type } : {}),
      ...(next.page && next.page > 1 ? { page: String(next.page) } : {}),
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (t.length > 100) return setFormError('Search: use at most 100 characters.');
    if (!t && !genre) return setFormError('Search: type a name or title, or choose a genre.');
    setFormError(null);
    go({ q: t, page: 1 });
  };
  const genreList = (genres.data?.genres ?? []).map((g) =>
    typeof g === 'string' ? { value: g, label: g } : { value: g.slug ?? g.id ?? g.name ?? '', label: g.name ?? g.slug ?? '' },
  );
  const data = results.data;
  return (
    <>
      <h1>Search</h1>
      <form role="search" className="search-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="search-q">Search</label>
          <input
            id="search-q"
            type="search"
            value={text}
            maxLength={100}
            onChange={(e) => setText(e.target.value)}
            placeholder="Artists, releases, tracks, posts"
            aria-invalid={formError ? true : undefined}
            aria-describedby={formError ? 'search-q-error' : 'search-q-hint'}
          />
          <small id="search-q-hint" className="muted">
            Small typos are fine; the start of a word is enough.
          </small>
          {formError && (
            <small id="search-q-error" className="field__error">
              {formError}
            </small>
          )}
        </div>
        <div className="field">
          <label htmlFor="search-genre">Genre</label>
          <select id="search-genre" value={genre} onChange={(e) => go({ genre: e.target.value, page: 1 })}>
            <option value="">All genres</option>
            {genreList.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn btn--primary">
          Search
        </button>
      </form>
      <section aria-labelledby="results-h" aria-live="polite">
        <h2 id="results-h">{q ? `Results for “${q}”` : genre ? `${genre}` : 'Type something to search'}</h2>
        {/* The facets come with the results, below the heading, so that nothing above them moves when they arrive. */}
        {active && data && (
          <nav aria-label="Result types">
            <ul className="search-facets">
              {TYPES.map(([value, label]) => {
                const count = value ? (data.facets.type[value] ?? 0) : Object.values(data.facets.type).reduce((a, b) => a + b, 0);
                return (
                  <li key={value || 'all'}>
                    <button type="button" className="btn btn--ghost" aria-pressed={type === value} onClick={() => go({ type: value, page: 1 })}>
                      {label} ({count})
                    </button>
                  </li>
                );
              })}
            </ul>
            {data.facets.genre.length > 0 && (
              <ul className="search-facets" aria-label="Genres">
                {data.facets.genre.map((g) => (
                  <li key={g.genre}>
                    <button type="button" className="btn btn--ghost" aria-pressed={genre === g.genre} onClick={() => go({ genre: genre === g.genre ? '' : g.genre, page: 1 })}>
                      {g.genre} ({g.count})
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </nav>
        )}
        {results.loading ? <Loading /> : <ErrorBox message={results.error} />}
        {data && (
          <>
            <p className="muted small">{data.total} found</p>
            {data.allWordsMatched === false && data.total > 0 && (
              <p className="muted small">Nothing has all of your words; these results match all but one of them.</p>
            )}
            <ul className="search-results">
              {data.results.map((r) => (
                <ResultItem key={`${r.type}-${'artist' in r ? r.artist.id : 'release' in r ? r.release.id : 'track' in r ? r.track.id : r.post.id}`} r={r} />
              ))}
            </ul>
            {data.total === 0 && <p className="muted">Nothing matches. Check the spelling or try fewer words.</p>}
            <Pager page={data.page} limit={data.limit} total={Math.min(data.total, 1000)} onPage={(p) => go({ page: p })} />
          </>
        )}
      </section>
    </>
  );
}
