import { useState, type FormEvent } from 'react';
import { ApiError, explain, get, post, putFile } from '../api/client';
import type { ArtistContent } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Notice, useAsync } from '../components/ui';
import type { Post, Visibility } from '../posts/api';
import { PostList } from '../posts/PostList';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const IMAGE_MAX = 15 << 20;
const LABELS: Record<string, string> = {
  title: 'Title',
  body: 'Text',
  visibility: 'Who can read it',
  minTier: 'Minimum tier',
  publishAt: 'Publish at',
  trackIds: 'Tracks',
  image: 'Picture',
};

// The post composer: Markdown text, who may read it, an optional picture (through the image
// pipeline), embedded tracks, and an optional publishing time. The artist's posts are listed below.
export function PostsPanel() {
  const { user } = useAuth();
  const content = useAsync((s) => get<ArtistContent>(`/api/artists/${user!.id}/content`, s), [user?.id]);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [minTier, setMinTier] = useState<'supporter' | 'superfan'>('supporter');
  const [publishAt, setPublishAt] = useState('');
  const [image, setImage] = useState<File | null>(null);
  const [trackIds, setTrackIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const tracks = (content.data?.releases ?? []).flatMap((r) => (r.tracks ?? []).map((t) => ({ ...t, releaseTitle: r.title })));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setError(null);
    const local: Record<string, string> = {};
    if (!title.trim() || title.trim().length > 200) local.title = 'Title must be 1-200 characters: give the post a title.';
    if (!body.trim() || body.length > 20000) local.body = 'Text must be 1-20000 characters: write the post.';
    if (image && !IMAGE_TYPES.includes(image.type)) local.image = 'Picture must be a JPEG, PNG or WebP file: choose another.';
    if (image && image.size > IMAGE_MAX) local.image = 'Picture must be at most 15 MB: choose a smaller one.';
    const when = publishAt ? new Date(publishAt) : null;
    if (when && Number.isNaN(when.getTime())) local.publishAt = 'Publish at must be a date and time: enter one, or leave it empty to publish now.';
    if (trackIds.length > 4) local.trackIds = 'Tracks: choose at most 4.';
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    let created: Post | null = null;
    try {
      created = await post<Post>('/api/posts', {
        title: title.trim(),
        body,
        visibility,
        ...(visibility === 'min_tier' ? { minTier } : {}),
        ...(trackIds.length ? { trackIds } : {}),
        ...(when ? { publishAt: when.toISOString().replace(/\.\d+Z$/, 'Z') } : {}),
      });
      if (image) await putFile(`/api/posts/${created.id}/image`, image, () => {});
      setTitle('');
      setBody('');
      setImage(null);
      setTrackIds([]);
      setPublishAt('');
      setDone(created.scheduled ? 'Post scheduled.' : 'Post published.');
      setReloadKey((k) => k + 1);
    } catch (err) {
      if (created) {
        // The post exists; only the picture was refused.
        setErrors({ image: `Picture: ${explain(err)} The post was saved without it; delete it below to try again.` });
        setReloadKey((k) => k + 1);
      } else {
        if (err instanceof ApiError) setErrors(Object.fromEntries(Object.entries(err.details).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, `${LABELS[k] ?? k} ${v}.`])));
        setError(explain(err, LABELS));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="posts-h">
      <h1 id="posts-h">Posts</h1>
      <form onSubmit={submit} className="form card" noValidate>
        <Field label="Title" value={title} maxLength={200} required error={errors.title} onChange={(e) => setTitle(e.target.value)} />
        <div className="field">
          <label htmlFor="post-body">Text</label>
          <textarea
            id="post-body"
            rows={8}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            aria-invalid={errors.body ? true : undefined}
            aria-describedby={`post-body-hint${errors.body ? ' post-body-error' : ''}`}
          />
          <small id="post-body-hint" className="muted">
            Markdown: **bold**, _italic_, [links](https://…), lists, quotes. HTML is not allowed.
          </small>
          {errors.body && (
            <small id="post-body-error" className="field__error">
              {errors.body}
            </small>
          )}
        </div>
        <div className="field">
          <label htmlFor="post-visibility">Who can read it</label>
          <select id="post-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} aria-describedby="post-visibility-hint">
            <option value="public">Everyone</option>
            <option value="followers">Followers and members</option>
            <option value="min_tier">Members of a tier and up</option>
          </select>
          <small id="post-visibility-hint" className="muted">
            Others see the title and what unlocks the post, never its text or picture.
          </small>
          {errors.visibility && <small className="field__error">{errors.visibility}</small>}
        </div>
        {visibility === 'min_tier' && (
          <div className="field">
            <label htmlFor="post-tier">Minimum tier</label>
            <select id="post-tier" value={minTier} onChange={(e) => setMinTier(e.target.value as 'supporter' | 'superfan')}>
              <option value="supporter">Supporter</option>
              <option value="superfan">Superfan</option>
            </select>
            {errors.minTier && <small className="field__error">{errors.minTier}</small>}
          </div>
        )}
        <Field
          label="Publish at (optional)"
          type="datetime-local"
          value={publishAt}
          error={errors.publishAt}
          hint="Leave empty to publish now. Followers are notified when it goes live."
          onChange={(e) => setPublishAt(e.target.value)}
        />
        <Field
          key={`picture-${reloadKey}`}
          label="Picture (optional)"
          type="file"
          accept={IMAGE_TYPES.join(',')}
          error={errors.image}
          hint="JPEG, PNG or WebP, up to 15 MB; shown at 16:9."
          onChange={(e) => setImage(e.target.files?.[0] ?? null)}
        />
        {tracks.length > 0 && (
          <fieldset className="field">
            <legend>Tracks to embed (up to 4)</legend>
            {tracks.map((t) => (
              <label key={t.id} className="check">
                <input
                  type="checkbox"
                  checked={trackIds.includes(t.id)}
                  onChange={(e) => setTrackIds((ids) => (e.target.checked ? [...ids, t.id] : ids.filter((x) => x !== t.id)))}
                />{' '}
                {t.title} <span className="muted small">({t.releaseTitle})</span>
              </label>
            ))}
            {errors.trackIds && <small className="field__error">{errors.trackIds}</small>}
          </fieldset>
        )}
        <ErrorBox message={error} />
        {done && <Notice>{done}</Notice>}
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {publishAt ? 'Schedule post' : 'Publish post'}
        </button>
      </form>
      <h2>Your posts</h2>
      <PostList artist={user!.id} reloadKey={reloadKey} emptyText="You have not posted yet." />
    </section>
  );
}
