import { useEffect, useState } from 'react';
import { explain, get, qs } from '../api/client';
import { ErrorBox, Loading } from '../components/ui';
import type { Post, PostPage } from './api';
import { PostCard } from './PostCard';

// An artist's posts, newest first, with "Show more" following the cursor.
export function PostList({ artist, reloadKey = 0, emptyText = 'No posts yet.' }: { artist: string; reloadKey?: number | string; emptyText?: string }) {
  const [posts, setPosts] = useState<Post[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const load = async (after: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    try {
      const page = await get<PostPage>(`/api/posts${qs({ artist, limit: 10, cursor: after })}`, signal);
      setPosts((old) => (after ? [...old, ...page.posts] : page.posts));
      setCursor(page.nextCursor);
    } catch (e) {
      if (!signal?.aborted) setError(explain(e));
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  };
  useEffect(() => {
    const ctl = new AbortController();
    void load(null, ctl.signal);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [artist, reloadKey]);
  return (
    <div className="posts">
      {posts.map((p) => (
        <PostCard key={p.id} post={p} onDeleted={() => setPosts((xs) => xs.filter((x) => x.id !== p.id))} />
      ))}
      {!loading && !error && posts.length === 0 && <p className="muted">{emptyText}</p>}
      {loading ? <Loading /> : <ErrorBox message={error} />}
      {cursor && !loading && (
        <button type="button" className="btn" onClick={() => void load(cursor)}>
          Show more posts
        </button>
      )}
    </div>
  );
}
