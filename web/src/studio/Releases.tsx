import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { CHUNK_BYTES, del, errorMessage, explain, formErrors, get, patch, post, put, putFile, upload, uploadResumable } from '../api/client';
import { Cover } from '../components/Cover';
import { TIER_LABEL, formatDate, plural, type ArtistContent, type Release, type ReleaseKind, type TierName, type Track } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { useChannel } from '../api/realtime';
import { Icon } from '../components/Icon';
import { ErrorBox, Field, Loading, Notice, useAsync } from '../components/ui';
import { PriceForm, useMyOffers } from './Pricing';

const TIERS: TierName[] = ['free', 'supporter', 'superfan'];
const AUDIO_ACCEPT = 'audio/*,.mp3,.wav,.flac,.aiff,.aif,.m4a,.ogg,.opus';

function TierSelect({ id, label, value, onChange }: { id: string; label: string; value: TierName; onChange(t: TierName): void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as TierName)}>
        {TIERS.map((t) => (
          <option key={t} value={t}>
            {t === 'free' ? 'Everyone (free)' : `${TIER_LABEL[t]}s and above`}
          </option>
        ))}
      </select>
    </div>
  );
}

function useMyContent() {
  const { user } = useAuth();
  return useAsync((s) => get<ArtistContent>(`/api/artists/${user!.id}/content`, s), [user?.id]);
}

export function ReleasesPanel() {
  const content = useMyContent();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const archivedTitle = params.get('archived');
  const deletedTitle = params.get('deleted');
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<ReleaseKind>('single');
  const [error, setError] = useState<string | null>(null);
  const [titleError, setTitleError] = useState<string | undefined>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setTitleError(undefined);
    try {
      const r = await post<Release>('/api/releases', { title, kind });
      navigate(`/studio/releases/${r.id}`);
    } catch (err) {
      const f = formErrors(err, ['title'], { title: 'Release title', kind: 'Kind' });
      setTitleError(f.fields.title);
      setError(f.message);
    }
  };
  return (
    <section aria-labelledby="rel-h">
      <h1 id="rel-h">Releases</h1>
      {deletedTitle && <Notice>“{deletedTitle}” was deleted, with its files.</Notice>}
      {archivedTitle && <Notice>“{archivedTitle}” was bought or played, so it is archived: unpublished, and kept for its buyers.</Notice>}
      <form onSubmit={create} className="form card" noValidate>
        <h2>New release</h2>
        <div className="row">
          <Field label="Release title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} error={titleError} />
          <div className="field">
            <label htmlFor="rel-kind">Kind</label>
            <select id="rel-kind" value={kind} onChange={(e) => setKind(e.target.value as ReleaseKind)}>
              <option value="single">Single</option>
              <option value="ep">EP</option>
              <option value="album">Album</option>
            </select>
          </div>
        </div>
        <ErrorBox message={error} />
        <button type="submit" className="btn btn--primary">
          Create release
        </button>
      </form>
      {content.loading && !content.data ? <Loading /> : <ErrorBox message={content.error} />}
      <ul className="list">
        {content.data?.releases.map((r) => (
          <li key={r.id} className="card row-between">
            <div>
              <Link to={`/studio/releases/${r.id}`}>{r.title}</Link>
              <p className="muted small">
                {r.kind.toUpperCase()} · {r.archived ? 'archived' : r.published ? (r.releaseAt && new Date(r.releaseAt) > new Date() ? `scheduled ${formatDate(r.releaseAt)}` : 'published') : 'draft'} ·{' '}
                {r.tracks?.length ?? 0} {plural(r.tracks?.length ?? 0, 'track')}
              </p>
            </div>
            <Link className="btn" to={`/studio/releases/${r.id}`}>
              Edit<span className="visually-hidden"> {r.title}</span>
            </Link>
          </li>
        ))}
        {content.data?.releases.length === 0 && <li className="muted">No releases yet: create one, then upload its tracks.</li>}
      </ul>
    </section>
  );
}

// datetime-local wants local time without a zone.
function toLocalInput(iso: string | null | undefined) {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function ReleaseEditor() {
  const { releaseId = '' } = useParams();
  const content = useMyContent();
  const release = content.data?.releases.find((r) => r.id === releaseId);
  const offers = useMyOffers();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [minTier, setMinTier] = useState<TierName>('free');
  const [releaseAt, setReleaseAt] = useState('');
  useEffect(() => {
    if (!release) return;
    setMinTier(release.minTier);
    setReleaseAt(toLocalInput(release.releaseAt));
  }, [release?.id, release?.minTier, release?.releaseAt]); // eslint-disable-line react-hooks/exhaustive-deps

  if (content.loading && !content.data) return <Loading />;
  if (!release) return <ErrorBox message={content.error ?? 'No such release'} />;
  const tracks = [...(release.tracks ?? [])].sort((a, b) => a.position - b.position);
  const hasReady = tracks.some((t) => t.status === 'ready');

  const save = async (body: Record<string, unknown>, done: string) => {
    setError(null);
    setMsg(null);
    try {
      await patch<Release>(`/api/releases/${release.id}`, body);
      setMsg(done);
      content.reload();
    } catch (e) {
      setError(explain(e));
    }
  };
  const move = async (i: number, delta: number) => {
    const order = tracks.map((t) => t.id);
    const j = i + delta;
    if (j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    setError(null);
    try {
      await put(`/api/releases/${release.id}/track-order`, { trackIds: order });
      content.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-labelledby="edit-h">
      <p className="small">
        <Link to="/studio/releases">← All releases</Link>
      </p>
      <h1 id="edit-h">{release.title}</h1>
      <p className="muted">
        {release.kind.toUpperCase()} · <span data-testid="release-state">{release.published ? 'published' : 'draft'}</span>
        {release.releaseAt ? ` · release ${formatDate(release.releaseAt)}` : ''}
      </p>

      <CoverInput releaseId={release.id} title={release.title} cover={release.cover} onDone={content.reload} />
      <AboutForm release={release} onSaved={content.reload} />

      <h2>Tracks</h2>
      {tracks.length === 0 && <p className="muted">No tracks yet.</p>}
      <ol className="tracks">
        {tracks.map((t, i) => (
          <StudioTrackRow key={t.id} track={t} first={i === 0} last={i === tracks.length - 1} onMove={(d) => move(i, d)} onChanged={content.reload} />
        ))}
      </ol>

      <UploadForm releaseId={release.id} onUploaded={content.reload} />

      <PriceForm
        type="release"
        id={release.id}
        title={release.title}
        offer={offers.data?.offers.find((o) => o.itemType === 'release' && o.itemId === release.id)}
        onSaved={offers.reload}
      />

      <form
        className="form card"
        onSubmit={(e) => {
          e.preventDefault();
          void save({ minTier, releaseAt: releaseAt ? new Date(releaseAt).toISOString() : null }, 'Release settings saved.');
        }}
      >
        <h2>Visibility and schedule</h2>
        <TierSelect id="release-tier" label="Who can open the release" value={minTier} onChange={setMinTier} />
        <Field
          label="Release date (optional)"
          type="datetime-local"
          value={releaseAt}
          onChange={(e) => setReleaseAt(e.target.value)}
          hint="Supporters hear it 24 h early, superfans 48 h early."
        />
        <button type="submit" className="btn">
          Save settings
        </button>
      </form>
      <ErrorBox message={error} />
      {msg && <Notice>{msg}</Notice>}
      <div className="row">
        <button
          type="button"
          className="btn btn--ghost"
          onClick={async () => {
            if (!window.confirm(`Delete “${release.title}”? If anyone bought or played it, it is archived instead: unpublished, and kept for its buyers.`)) return;
            setError(null);
            try {
              const r = await del<{ archived: boolean }>(`/api/releases/${release.id}`);
              navigate(`/studio/releases?${r.archived ? 'archived' : 'deleted'}=${encodeURIComponent(release.title)}`);
            } catch (e) {
              setError(explain(e));
            }
          }}
        >
          Delete release
        </button>
        {release.published ? (
          <button type="button" className="btn" onClick={() => save({ published: false }, 'The release is a draft again.')}>
            Unpublish
          </button>
        ) : (
          <button
            type="button"
            className="btn btn--primary"
            aria-describedby={hasReady ? undefined : 'publish-hint'}
            onClick={() => save({ published: true }, 'Published.')}
          >
            {releaseAt ? 'Publish on schedule' : 'Publish now'}
          </button>
        )}
      </div>
      {!release.published && !hasReady && (
        <p className="small muted" id="publish-hint">
          Publishing needs at least one track whose audio is ready: upload a track and wait for its processing to finish.
        </p>
      )}
    </section>
  );
}

function StudioTrackRow({ track, first, last, onMove, onChanged }: { track: Track; first: boolean; last: boolean; onMove(d: number): void; onChanged(): void }) {
  const progress = useProcessing(track, onChanged);
  const [editing, setEditing] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  if (editing) return <TrackEditForm track={track} onDone={() => setEditing(false)} onChanged={onChanged} />;
  return (
    <li className="track track--studio" data-testid="studio-track">
      <span className="track__pos">{track.position}</span>
      <span className="track__title">
        {track.title}
        <span className="muted small"> · {track.minTier && track.minTier !== 'free' ? `${TIER_LABEL[track.minTier]}s only` : 'public'}</span>
        {track.status === 'draft' && <AttachAudio track={track} onUploaded={onChanged} />}
        {(track.status === 'processing' || track.status === 'failed') && <ProcessingBar status={track.status} progress={progress} title={track.title} />}
        {track.status === 'ready' && <span className="ok small"> · ready</span>}
        {(track.status === 'ready' || track.status === 'failed') && <AttachAudio track={track} onUploaded={onChanged} replace />}
      </span>
      <span className="row">
        <button type="button" className="icon-btn icon-btn--small" disabled={first} onClick={() => onMove(-1)} aria-label={`Move ${track.title} up`}>
          <Icon name="up" size={14} />
        </button>
        <button type="button" className="icon-btn icon-btn--small" disabled={last} onClick={() => onMove(1)} aria-label={`Move ${track.title} down`}>
          <Icon name="down" size={14} />
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setEditing(true)}>
          Edit<span className="visually-hidden"> {track.title}</span>
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          onClick={async () => {
            if (!window.confirm(`Delete “${track.title}” and its audio? This cannot be undone.`)) return;
            setDeleteError(null);
            try {
              await del(`/api/tracks/${track.id}`);
              onChanged();
            } catch (e) {
              setDeleteError(explain(e));
            }
          }}
        >
          Delete<span className="visually-hidden"> {track.title}</span>
        </button>
      </span>
      {deleteError && (
        <span className="error small track__error" role="alert">
          {deleteError}
        </span>
      )}
    </li>
  );
}

// Rename a track or change who may open it, after upload (PATCH /api/tracks/{id}).
function TrackEditForm({ track, onDone, onChanged }: { track: Track; onDone(): void; onChanged(): void }) {
  const [title, setTitle] = useState(track.title);
  const [minTier, setMinTier] = useState<TierName>(track.minTier ?? 'free');
  const [error, setError] = useState<string | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await patch<Track>(`/api/tracks/${track.id}`, { title, minTier });
      onChanged();
      onDone();
    } catch (err) {
      setError(explain(err, { title: 'Track title', minTier: 'Who can play it' }));
    }
  };
  return (
    <li className="card" data-testid="studio-track-edit">
      <form className="form" onSubmit={save} aria-label={`Edit ${track.title}`} noValidate>
        <Field label="Track title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
        <TierSelect id={`tier-${track.id}`} label="Who can play it" value={minTier} onChange={setMinTier} />
        <ErrorBox message={error} />
        <div className="row">
          <button type="submit" className="btn btn--primary">
            Save track
          </button>
          <button type="button" className="btn btn--ghost" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </li>
  );
}

// A track created without audio gets its file here (the upload names the existing track).
function AttachAudio({ track, onUploaded, replace = false }: { track: Track; onUploaded(): void; replace?: boolean }) {
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = `audio-${track.id}`;
  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setSent(0);
    try {
      await sendAudio(track.id, file, (f) => setSent(Math.round(f * 100)));
      onUploaded();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSent(null);
    }
  };
  return (
    <span className="attach">
      {!replace && <span className="muted small"> · no audio yet</span>}
      {sent === null ? (
        <>
          <label htmlFor={id} className="btn btn--ghost btn--small">
            {replace ? 'Replace audio' : 'Upload audio'}
            <span className="visually-hidden"> for {track.title}</span>
          </label>
          <input id={id} type="file" className="visually-hidden" accept={AUDIO_ACCEPT} onChange={(e) => send(e.target.files?.[0])} />
        </>
      ) : (
        <progress max={100} value={sent} aria-label={`Uploading audio for ${track.title}`} />
      )}
      {error && (
        <span className="error small" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

// A track's audio: one multipart request for small files, resumable chunks for large ones.
function sendAudio(trackId: string, file: File, onProgress: (f: number) => void) {
  if (file.size > CHUNK_BYTES) return uploadResumable(trackId, file, onProgress);
  const form = new FormData();
  form.set('trackId', trackId);
  form.set('file', file);
  return upload('/api/uploads/content', form, onProgress);
}

function ProcessingBar({ status, progress, title }: { status: string; progress: number; title: string }) {
  const label = status === 'failed' ? 'processing failed' : `processing ${progress}%`;
  return (
    <span className="processing">
      <progress
        max={100}
        value={progress}
        aria-label={`Processing ${title}`}
        aria-valuetext={label}
        data-testid="processing-progress"
        data-progress={progress}
        data-status={status}
      />
      <span className={status === 'failed' ? 'error small' : 'muted small'} aria-live="polite">
        {label}
      </span>
    </span>
  );
}

// Polls the track while it is processing: the real progress of the processing job.
// Processing progress arrives on the artist's own channel (docs/realtime.md): no polling. The track
// is read once when the subscription is live (progress made before it), and again on reload.
function useProcessing(track: Track, onDone: () => void) {
  const { user } = useAuth();
  const [progress, setProgress] = useState(track.progress ?? 0);
  const done = useRef(onDone);
  done.current = onDone;
  const processing = track.status === 'processing';
  useEffect(() => setProgress(track.progress ?? 0), [track.id, track.progress]);
  const apply = (status: string, percent: number | undefined) => {
    if (status === 'processing') {
      setProgress((p) => Math.max(p, percent ?? 0));
      return;
    }
    setProgress(status === 'ready' ? 100 : percent ?? 0);
    done.current();
  };
  const readOnce = async () => {
    try {
      const t = await get<Track>(`/api/content/${track.id}`);
      apply(t.status ?? 'processing', t.progress);
    } catch {
      /* the next event or reload tries again */
    }
  };
  useChannel(processing && user ? `user:${user.id}` : null, {
    event: (e) => {
      if (e.type !== 'track.processing' || e.payload.trackId !== track.id) return;
      apply(String(e.payload.status), Number(e.payload.progress));
    },
    ready: () => void readOnce(),
    reload: () => void readOnce(),
  });
  return progress;
}

function UploadForm({ releaseId, onUploaded }: { releaseId: string; onUploaded(): void }) {
  const [title, setTitle] = useState('');
  const [minTier, setMinTier] = useState<TierName>('free');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const [fileError, setFileError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFileError(undefined);
    if (!file) {
      setFileError('Audio file is required: choose an MP3, WAV, FLAC, AIFF, M4A, OGG or Opus file.');
      return;
    }
    setSent(0);
    const trackTitle = title || file.name.replace(/\.[^.]+$/, '');
    try {
      if (file.size > CHUNK_BYTES) {
        // Large files: the track first, then its audio in resumable chunks.
        const track = await post<Track>(`/api/releases/${releaseId}/tracks`, { title: trackTitle, minTier });
        await sendAudio(track.id, file, (f) => setSent(Math.round(f * 100)));
      } else {
        const form = new FormData();
        form.set('releaseId', releaseId);
        form.set('title', trackTitle);
        form.set('minTier', minTier);
        form.set('file', file);
        await upload('/api/uploads/content', form, (f) => setSent(Math.round(f * 100)));
      }
      setTitle('');
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
      onUploaded();
    } catch (err) {
      setError(explain(err, { title: 'Track title', minTier: 'Who can play this track', file: 'Audio file' }));
    } finally {
      setSent(null);
    }
  };
  return (
    <form onSubmit={submit} className="form card" aria-labelledby="upload-h" noValidate>
      <h2 id="upload-h">Upload a track</h2>
      <Field label="Track title" maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} hint="Defaults to the file name" />
      <TierSelect id="track-tier" label="Who can play this track" value={minTier} onChange={setMinTier} />
      <div className="field">
        <label htmlFor="track-file">Audio file</label>
        <input
          id="track-file"
          ref={fileInput}
          type="file"
          accept={AUDIO_ACCEPT}
          required
          aria-invalid={fileError ? true : undefined}
          aria-describedby={fileError ? 'track-file-hint track-file-error' : 'track-file-hint'}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <small id="track-file-hint" className="muted">
          MP3, WAV, FLAC, AIFF, M4A, OGG or Opus, up to 500 MB.
        </small>
        {fileError && (
          <small id="track-file-error" className="field__error">
            {fileError}
          </small>
        )}
      </div>
      {sent !== null && (
        <p className="processing">
          <progress max={100} value={sent} aria-label="Upload progress" data-testid="upload-progress" />
          <span className="muted small">uploading {sent}%</span>
        </p>
      )}
      <ErrorBox message={error} />
      <button type="submit" className="btn btn--primary" disabled={sent !== null}>
        Upload
      </button>
    </form>
  );
}

// The release's cover art (PUT /api/releases/{id}/cover): shown on the release, its tracks, the
// artist's page, Discover and in the player.
function CoverInput({ releaseId, title, cover, onDone }: { releaseId: string; title: string; cover?: Release['cover']; onDone(): void }) {
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const id = `cover-${releaseId}`;
  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setDone(false);
    setSent(0);
    try {
      await putFile(`/api/releases/${releaseId}/cover`, file, (f) => setSent(Math.round(f * 100)));
      setDone(true);
      onDone();
    } catch (e) {
      setError(`Cover art: ${explain(e)}`);
    } finally {
      setSent(null);
    }
  };
  return (
    <div className="card image-field cover-field">
      <Cover art={cover} title={title} size="large" />
      <div className="field">
        <label htmlFor={id}>Cover art</label>
        <input id={id} type="file" accept="image/jpeg,image/png,image/webp" aria-describedby={`${id}-hint`} onChange={(e) => send(e.target.files?.[0])} />
        <small id={`${id}-hint`} className="muted">
          A square JPEG, PNG or WebP up to 15 MB; shown up to 1024 px.
        </small>
        {sent !== null && <progress max={100} value={sent} aria-label="Uploading the cover art" />}
        {done && (
          <span className="ok small" role="status">
            Cover art updated.
          </span>
        )}
        <ErrorBox message={error} />
      </div>
    </div>
  );
}

// "Role: Name" per line ⇄ the API's credits.
function creditsText(credits: Release['credits']): string {
  return (credits ?? []).map((c) => `${c.role}: ${c.name}`).join('\n');
}
function parseCredits(text: string): { credits: { role: string; name: string }[]; bad: number | null } {
  const credits: { role: string; name: string }[] = [];
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    const at = lines[i].indexOf(':');
    const role = at > 0 ? lines[i].slice(0, at).trim() : '';
    const name = at > 0 ? lines[i].slice(at + 1).trim() : '';
    if (!role || !name) return { credits, bad: i + 1 };
    credits.push({ role, name });
  }
  return { credits, bad: null };
}

// Rename the release, and its liner notes: description and credits.
function AboutForm({ release, onSaved }: { release: Release; onSaved(): void }) {
  const [title, setTitle] = useState(release.title);
  const [description, setDescription] = useState(release.description ?? '');
  const [credits, setCredits] = useState(creditsText(release.credits));
  const [error, setError] = useState<string | null>(null);
  const [creditsError, setCreditsError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    setTitle(release.title);
    setDescription(release.description ?? '');
    setCredits(creditsText(release.credits));
  }, [release.id, release.title, release.description, release.credits]); // eslint-disable-line react-hooks/exhaustive-deps
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreditsError(null);
    setMsg(null);
    const parsed = parseCredits(credits);
    if (parsed.bad !== null) {
      setCreditsError(`Credits: line ${parsed.bad} needs a role and a name, such as "Mixing: Ada Lovelace".`);
      return;
    }
    try {
      await patch<Release>(`/api/releases/${release.id}`, { title, description, credits: parsed.credits });
      setMsg('Release details saved.');
      onSaved();
    } catch (err) {
      setError(explain(err, { title: 'Release title', description: 'Description', credits: 'Credits' }));
    }
  };
  return (
    <form className="form card" onSubmit={save} aria-label="Release details" noValidate>
      <h2>Release details</h2>
      <Field label="Release title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <div className="field">
        <label htmlFor={`desc-${release.id}`}>Description</label>
        <textarea id={`desc-${release.id}`} rows={4} maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`credits-${release.id}`}>Credits (one per line: role, a colon, name)</label>
        <textarea
          id={`credits-${release.id}`}
          rows={3}
          value={credits}
          placeholder="Mixing: Ada Lovelace"
          onChange={(e) => setCredits(e.target.value)}
          aria-invalid={creditsError ? true : undefined}
          aria-describedby={creditsError ? `credits-${release.id}-error` : undefined}
        />
        {creditsError && (
          <small id={`credits-${release.id}-error`} className="field__error" role="alert">
            {creditsError}
          </small>
        )}
      </div>
      <ErrorBox message={error} />
      {msg && <Notice>{msg}</Notice>}
      <button type="submit" className="btn">
        Save details
      </button>
    </form>
  );
}
