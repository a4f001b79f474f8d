import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { get, qs } from '../api/client';
import type { ArtistList } from '../api/types';
import { ArtistCard, ErrorBox, Loading, Pager, useAsync, useTitle } from '../components/ui';

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const genre = params.get('genre') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useTitle(q ? `Search: ${q}` : 'Search');
  const genres = useAsync((s) => get<{ genres: { id?: string; slug?: string; name?: string }[] | string[] }>('/api/genres', s), []);
  const results = useAsync(
    (s) => get<ArtistList>(`/api/artists${qs({ search: q, genre, page, limit: 20 })}`, s),
    [q, genre, page],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams({ ...(text.trim() ? { q: text.trim() } : {}), ...(genre ? { genre } : {}) });
  };
  const genreList = (genres.data?.genres ?? []).map((g) =>
    typeof g === 'string' ? { value: g, label: g } : { value: g.slug ?? g.id ?? g.name ?? '', label: g.name ?? g.slug ?? '' },
  );
  return (
    <>
      <h1>Search</h1>
      <form role="search" className="search-form" onSubmit={submit}>
        <div className="field">
          <label htmlFor="search-q">Artist name</label>
          <input id="search-q" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Start typing a name" />
        </div>
        <div className="field">
          <label htmlFor="search-genre">Genre</label>
          <select
            id="search-genre"
            value={genre}
            onChange={(e) => setParams({ ...(q ? { q } : {}), ...(e.target.value ? { genre: e.target.value } : {}) })}
          >
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
        <h2 id="results-h">{q ? `Artists matching “${q}”` : 'All artists'}</h2>
        {results.loading ? <Loading /> : <ErrorBox message={results.error} />}
        {results.data && (
          <>
            <p className="muted small">{results.data.total} found</p>
            <ul className="grid">
              {results.data.artists.map((a) => (
                <ArtistCard key={a.id} artist={a} />
              ))}
            </ul>
            <Pager
              page={results.data.page}
              limit={results.data.limit}
              total={results.data.total}
              onPage={(p) => setParams({ ...(q ? { q } : {}), ...(genre ? { genre } : {}), page: String(p) })}
            />
          </>
        )}
      </section>
    </>
  );
}
