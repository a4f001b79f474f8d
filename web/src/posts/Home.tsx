import { useEffect, useState } from 'react';
import { Link, Navigate } from 'react-router';
import { explain, get, qs } from '../api/client';
import { TIER_LABEL, counted, formatDate, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, useTitle } from '../components/ui';
import type { FeedItem, FeedPage } from './api';
import { PostCard } from './PostCard';

// The fan home feed: posts and releases of followed artists, newest first, locked ones as teasers.
export default function HomeFeedPage() {
  const { user } = useAuth();
  useTitle('Home');
  const [items, setItems] = useState<FeedItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const load = async (after: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<FeedPage>(`/api/feed${qs({ limit: 15, cursor: after })}`, signal);
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      if (!signal?.aborted) setError(explain(e));
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  };
  useEffect(() => {
    if (!user) return;
    const ctl = new AbortController();
    void load(null, ctl.signal);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [user?.id]);
  if (!user) return <Navigate to="/login?next=/feed" replace />;
  return (
    <section aria-labelledby="feed-h" className="feed">
      <h1 id="feed-h">Your feed</h1>
      <p className="muted">News and releases from the artists you follow.</p>
      <ol className="feed__items">
        {items.map((i) =>
          i.type === 'post' ? (
            <li key={`p-${i.post.id}`}>
              <PostCard post={i.post} headingLevel={2} />
            </li>
          ) : (
            <li key={`r-${i.release.id}`}>
              <article className="card post" aria-labelledby={`rel-${i.release.id}`} data-testid="feed-release">
                <h2 id={`rel-${i.release.id}`} className="post__title">
                  <Link to={`/artist/${i.release.artistSlug || i.release.artistId}/release/${i.release.id}`}>{i.release.title}</Link>
                </h2>
                <p className="muted small">
                  New {i.release.kind.toUpperCase()} by <Link to={`/artist/${i.release.artistSlug || i.release.artistId}`}>{i.release.artistName}</Link> ·{' '}
                  <time dateTime={i.release.releasedAt}>{formatDate(i.release.releasedAt)}</time> · {counted(i.release.trackCount, 'track')}
                  {i.release.locked?.requiredTier && <> · for {TIER_LABEL[i.release.locked.requiredTier as TierName]} members</>}
                </p>
              </article>
            </li>
          ),
        )}
      </ol>
      {!loading && !error && items.length === 0 && (
        <p className="muted">
          Nothing here yet. <Link to="/">Discover artists</Link> and follow them to see their news.
        </p>
      )}
      {loading ? <Loading /> : <ErrorBox message={error} />}
      {cursor && !loading && (
        <button type="button" className="btn" onClick={() => void load(cursor)}>
          Show older
        </button>
      )}
    </section>
  );
}
