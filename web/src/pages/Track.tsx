import { Cover } from '../components/Cover';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { del, errorMessage, get, post, qs } from '../api/client';
import { TIER_LABEL, counted, formatDate, formatDuration, metaLine, type ArtistDetail, type Comment, type Track } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, LockBadge, useAsync, useTitle } from '../components/ui';
import { usePlayer } from '../player/PlayerContext';
import { Waveform } from '../player/Waveform';
import { Icon } from '../components/Icon';
import { NotFoundPage } from './NotFound';
import { ShareButton } from '../components/ShareButton';
import { ReportButton } from '../moderation/ReportButton';

export function TrackPage() {
  const { id = '' } = useParams();
  const { user } = useAuth();
  const player = usePlayer();
  const data = useAsync(
    async (s) => {
      const track = await get<Track>(`/api/content/${encodeURIComponent(id)}`, s);
      const artist = track.artistId ? await get<ArtistDetail>(`/api/artists/${track.artistId}`, s) : null;
      return { track, artist };
    },
    [id, user?.id],
  );
  const [liked, setLiked] = useState(false);
  const [likeError, setLikeError] = useState<string | null>(null);
  useEffect(() => {
    setLiked(false);
    if (!user || !data.data || data.data.track.locked) return;
    get<{ liked: boolean }>(`/api/content/${id}/like`).then((r) => setLiked(r.liked), () => {});
  }, [user, id, data.data]);
  useTitle(data.data?.track.title ?? 'Track');

  if (data.loading && !data.data) return <Loading />;
  if (data.notFound)
    return <NotFoundPage title="Track not found" message="There is no track at this address. It may have been removed, or the link may be mistyped." />;
  if (data.error || !data.data) return <ErrorBox message={data.error} />;
  const { track, artist } = data.data;
  const isCurrent = player.current?.track.id === track.id;
  const playable = !track.locked && (!track.status || track.status === 'ready');

  const toggleLike = async () => {
    setLikeError(null);
    try {
      const r = liked ? await del<{ liked: boolean }>(`/api/content/${track.id}/like`) : await post<{ liked: boolean }>(`/api/content/${track.id}/like`);
      setLiked(r?.liked ?? !liked);
      data.reload();
    } catch (e) {
      setLikeError(errorMessage(e));
    }
  };

  return (
    <>
      <section className="release-hero">
        <Cover art={track.artwork} title={track.title} size="large" />
        <div>
          <p className="muted small">Track</p>
          <h1>{track.title}</h1>
          {artist && (
            <p>
              by <Link to={`/artist/${artist.slug}`}>{artist.stageName}</Link>
            </p>
          )}
          {track.locked ? (
            <>
              <LockBadge lock={track.locked} />
              {artist && track.locked.requiredTier && (
                <p>
                  <Link className="btn btn--primary" to={user ? `/checkout/${artist.id}/${track.locked.requiredTier}` : `/login?next=/track/${track.id}`}>
                    Become a {TIER_LABEL[track.locked.requiredTier]} to listen
                  </Link>
                </p>
              )}
            </>
          ) : (
            <>
              <p className="muted small">
                {metaLine([
                  track.durationS ? formatDuration(track.durationS) : null,
                  counted(track.playCount ?? 0, 'play'),
                  counted(track.likeCount ?? 0, 'like'),
                  track.minTier && track.minTier !== 'free' && `${TIER_LABEL[track.minTier]} only`,
                  track.status === 'draft' ? 'no audio yet' : track.status !== 'ready' && track.status,
                ])}
              </p>
              <div className="row">
                <button
                  type="button"
                  className="btn btn--primary"
                  disabled={!playable}
                  onClick={() =>
                    isCurrent
                      ? player.toggle()
                      : player.playQueue([{ track, artistName: artist?.stageName, artistSlug: artist?.slug }])
                  }
                >
                  {isCurrent && player.playing ? 'Pause' : 'Play'}
                </button>
                {playable && (
                  <button type="button" className="btn" onClick={() => player.enqueue({ track, artistName: artist?.stageName, artistSlug: artist?.slug })}>
                    Add to queue
                  </button>
                )}
                <ShareButton title={artist ? `${track.title} by ${artist.stageName}` : track.title} path={`/track/${track.id}`} />
                <ReportButton type="track" id={track.id} what="this track" ownerId={track.artistId} />
                {user && (
                  <button type="button" className="btn" aria-pressed={liked} onClick={toggleLike}>
                    <Icon name={liked ? 'heart' : 'heartOutline'} /> {liked ? 'Liked' : 'Like'}
                  </button>
                )}
              </div>
              <ErrorBox message={likeError} />
            </>
          )}
        </div>
      </section>
      {!track.locked && track.peaks && track.peaks.length > 0 && (
        <Waveform
          peaks={track.peaks}
          height={64}
          progress={isCurrent && player.duration ? player.time / player.duration : 0}
          onSeek={isCurrent ? (f) => player.seek(f * player.duration) : undefined}
        />
      )}
      {!track.locked && <Comments trackId={track.id} />}
    </>
  );
}

function Comments({ trackId }: { trackId: string }) {
  const { user } = useAuth();
  const list = useAsync((s) => get<{ comments: Comment[] }>(`/api/content/${trackId}/comments${qs({ limit: 50 })}`, s), [trackId]);
  const [body, setBody] = useState('');
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  // The comment whose deletion waits for a second, explicit yes.
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!body.trim()) {
      setError('Your comment is empty: write something first.');
      return;
    }
    try {
      await post(`/api/content/${trackId}/comments`, { body: body.trim(), ...(replyTo ? { parentId: replyTo.id } : {}) });
      setBody('');
      setReplyTo(null);
      list.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (c: Comment) => {
    setConfirming(null);
    try {
      await del(`/api/comments/${c.id}`);
      list.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const render = (c: Comment) => (
    <li key={c.id} className="comment">
      <p className="small">
        <strong>@{c.user.username}</strong> <span className="muted">{formatDate(c.createdAt)}{c.edited ? ' · edited' : ''}</span>
      </p>
      <p>{c.deleted ? <em className="muted">deleted</em> : c.body}</p>
      {user && !c.deleted && (
        <div className="row small">
          {!c.parentId && (
            <button type="button" className="link-btn" onClick={() => setReplyTo(c)}>
              Reply
            </button>
          )}
          <ReportButton type="comment" id={c.id} what={`the comment by @${c.user.username}`} ownerId={c.user.id} />
          {c.user.id === user.id &&
            (confirming === c.id ? (
              <span className="row small" role="group" aria-label="Delete this comment?">
                <span>Delete this comment? This cannot be undone.</span>
                <button type="button" className="btn btn--danger btn--small" onClick={() => void remove(c)}>
                  Delete comment
                </button>
                <button type="button" className="btn btn--ghost btn--small" onClick={() => setConfirming(null)} autoFocus>
                  Keep it
                </button>
              </span>
            ) : (
              <button type="button" className="link-btn" onClick={() => setConfirming(c.id)}>
                Delete
              </button>
            ))}
        </div>
      )}
      {c.replies && c.replies.length > 0 && <ul className="comments comments--replies">{c.replies.map(render)}</ul>}
    </li>
  );
  return (
    <section aria-labelledby="comments-h">
      <h2 id="comments-h">Comments</h2>
      {user && (
        <form onSubmit={submit} className="comment-form">
          <label htmlFor="comment-body">{replyTo ? `Reply to @${replyTo.user.username}` : 'Add a comment'}</label>
          <textarea id="comment-body" value={body} maxLength={2000} rows={3} onChange={(e) => setBody(e.target.value)} />
          <div className="row">
            <button type="submit" className="btn btn--primary">
              Post
            </button>
            {replyTo && (
              <button type="button" className="btn btn--ghost" onClick={() => setReplyTo(null)}>
                Cancel reply
              </button>
            )}
          </div>
        </form>
      )}
      <ErrorBox message={error ?? list.error} />
      {list.data && (list.data.comments.length ? <ul className="comments">{list.data.comments.map(render)}</ul> : <p className="muted">No comments yet.</p>)}
    </section>
  );
}
