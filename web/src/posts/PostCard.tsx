import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, del, explain, get, post } from '../api/client';
import { TIER_LABEL, formatDate, type Comment, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Icon } from '../components/Icon';
import { TrackList } from '../components/TrackList';
import { ErrorBox, Loading, srcSet, useAsync } from '../components/ui';
import { ReportButton } from '../moderation/ReportButton';
import type { CommentPage, Post } from './api';

const VISIBILITY_LABEL = (p: Post) =>
  p.visibility === 'public' ? 'Public' : p.visibility === 'followers' ? 'Followers' : `${TIER_LABEL[p.minTier as TierName]} and up`;

// One post: the full post, or a teaser saying what unlocks it. `bodyHtml` was rendered and
// sanitised by the server; it is the only HTML the app inserts (titles and comments are text).
export function PostCard({ post: initial, onDeleted, headingLevel = 3 }: { post: Post; onDeleted?: () => void; headingLevel?: 2 | 3 }) {
  const { user } = useAuth();
  const navigate = useNavigate();
  const [p, setP] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [showComments, setShowComments] = useState(false);
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const mine = user?.id === p.artistId;
  const artistLink = `/artist/${p.artistSlug || p.artistId}`;

  const toggleLike = async () => {
    if (!user) return navigate(`/login?next=${encodeURIComponent(artistLink)}`);
    setError(null);
    try {
      const r = p.liked ? await del<{ liked: boolean; likeCount: number }>(`/api/posts/${p.id}/like`) : await post<{ liked: boolean; likeCount: number }>(`/api/posts/${p.id}/like`);
      setP({ ...p, liked: r.liked, likeCount: r.likeCount });
    } catch (e) {
      setError(explain(e));
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the post “${p.title}”? This cannot be undone.`)) return;
    try {
      await del(`/api/posts/${p.id}`);
      onDeleted?.();
    } catch (e) {
      setError(explain(e));
    }
  };

  return (
    <article className="card post" aria-labelledby={`post-${p.id}`} data-testid="post">
      <header className="post__head">
        <H id={`post-${p.id}`} className="post__title">
          {p.title}
        </H>
        <p className="muted small">
          <Link to={artistLink}>{p.artistName}</Link> · <time dateTime={p.publishAt}>{formatDate(p.publishAt)}</time> · {VISIBILITY_LABEL(p)}
          {p.scheduled && <strong> · Scheduled</strong>}
        </p>
      </header>
      {p.locked ? (
        <p className="post__teaser" data-testid="post-teaser">
          <Icon name="lock" size={16} />{' '}
          {p.locked.reason === 'followers' ? (
            <>
              For followers. <Link to={artistLink}>Follow {p.artistName}</Link> to read it.
            </>
          ) : (
            <>
              For {TIER_LABEL[p.locked.requiredTier as TierName]} members and up.{' '}
              <Link to={artistLink}>Become a {TIER_LABEL[p.locked.requiredTier as TierName]}</Link> to read it.
            </>
          )}
        </p>
      ) : (
        <>
          {p.image && Object.keys(p.image).length > 0 && (
            <img className="post__image" src={p.image['640']} srcSet={srcSet(p.image)} sizes="(max-width: 48rem) 100vw, 48rem" alt="" loading="lazy" width={640} height={360} />
          )}
          <div className="post__body" data-testid="post-body" dangerouslySetInnerHTML={{ __html: p.bodyHtml ?? '' }} />
          {p.tracks && p.tracks.length > 0 && <TrackList tracks={p.tracks} artistName={p.artistName} artistSlug={p.artistSlug} showNumbers={false} />}
          <div className="row post__actions">
            <button type="button" className="btn btn--ghost" aria-pressed={p.liked} onClick={toggleLike}>
              {p.liked ? 'Liked' : 'Like'} · {p.likeCount}
            </button>
            <button type="button" className="btn btn--ghost" aria-expanded={showComments} aria-controls={`comments-${p.id}`} onClick={() => setShowComments((s) => !s)}>
              Comments · {p.commentCount}
            </button>
            <ReportButton type="post" id={p.id} what="this post" ownerId={p.artistId} />
            {(mine || user?.role === 'admin') && onDeleted && (
              <button type="button" className="btn btn--ghost" onClick={remove}>
                Delete post
              </button>
            )}
          </div>
          {showComments && <PostComments postId={p.id} onCount={(n) => setP((x) => ({ ...x, commentCount: n }))} />}
        </>
      )}
      <ErrorBox message={error} />
    </article>
  );
}

function PostComments({ postId, onCount }: { postId: string; onCount(n: number): void }) {
  const { user } = useAuth();
  const list = useAsync((s) => get<CommentPage>(`/api/posts/${postId}/comments?limit=50`, s), [postId]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldId = `comment-${postId}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return setError('Comment: write something first (1-2000 characters).');
    setBusy(true);
    setError(null);
    try {
      await post<Comment>(`/api/posts/${postId}/comments`, { body: text.trim() });
      setText('');
      list.reload();
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'validation_failed' ? `Comment ${err.field('body') ?? err.message}.` : explain(err, { body: 'Comment' }));
    } finally {
      setBusy(false);
    }
  };
  const data = list.data;
  useEffect(() => {
    if (data) onCount(data.comments.reduce((n, c) => n + (c.deleted ? 0 : 1) + (c.replies?.length ?? 0), 0));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data]);
  return (
    <section id={`comments-${postId}`} className="post__comments" aria-label="Comments">
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error} />}
      <ul className="comments">
        {list.data?.comments.map((c) => (
          <li key={c.id}>
            <p className="small">
              <strong>@{c.user.username}</strong> <span className="muted">{formatDate(c.createdAt)}</span>
            </p>
            <p>{c.deleted ? <em className="muted">Deleted</em> : c.body}</p>
            {!c.deleted && <ReportButton type="comment" id={c.id} what={`the comment by @${c.user.username}`} ownerId={c.user.id} />}
            {c.replies && c.replies.length > 0 && (
              <ul className="comments comments--replies">
                {c.replies.map((r) => (
                  <li key={r.id}>
                    <p className="small">
                      <strong>@{r.user.username}</strong>
                    </p>
                    <p>{r.body}</p>
                    <ReportButton type="comment" id={r.id} what={`the reply by @${r.user.username}`} ownerId={r.user.id} />
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
        {list.data && list.data.comments.length === 0 && <li className="muted">No comments yet.</li>}
      </ul>
      {user ? (
        <form onSubmit={submit} className="form">
          <div className="field">
            <label htmlFor={fieldId}>Comment</label>
            <textarea id={fieldId} rows={2} maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${fieldId}-error` : undefined} />
            {error && (
              <small id={`${fieldId}-error`} className="field__error">
                {error}
              </small>
            )}
          </div>
          <button type="submit" className="btn" disabled={busy}>
            Post comment
          </button>
        </form>
      ) : (
        <p className="small">
          <Link to="/login">Log in</Link> to comment.
        </p>
      )}
    </section>
  );
}
