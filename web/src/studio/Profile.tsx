import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { errorMessage, formErrors, get, put, putFile } from '../api/client';
import { plural, type ArtistDetail } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Avatar, ErrorBox, Field, Loading, Notice, srcSet, useAsync } from '../components/ui';

const PROFILE_LABELS = { stageName: 'Stage name', bio: 'Bio', genres: 'Genres', locationCity: 'City', locationCountry: 'Country', links: 'Links' };

export function ProfilePanel() {
  const { user } = useAuth();
  const artist = useAsync((s) => get<ArtistDetail>(`/api/artists/${user!.id}`, s), [user?.id]);
  const genres = useAsync((s) => get<{ genres: string[] }>('/api/genres', s), []);
  const [form, setForm] = useState({ stageName: '', bio: '', genres: [] as string[], locationCity: '', locationCountry: '', links: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const a = artist.data;
    if (!a) return;
    setForm({
      stageName: a.stageName,
      bio: a.bio,
      genres: a.genres,
      locationCity: a.location?.city ?? '',
      locationCountry: a.location?.country ?? '',
      links: (a.links ?? []).map((l) => `${l.label} ${l.url}`).join('\n'),
    });
  }, [artist.data]);
  if (artist.loading && !artist.data) return <Loading />;
  if (!artist.data) return <ErrorBox message={artist.error} />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    setErrors({});
    const links = form.links
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const i = l.lastIndexOf(' ');
        return i > 0 ? { label: l.slice(0, i).trim(), url: l.slice(i + 1) } : { label: l, url: l };
      });
    try {
      await put('/api/artists/profile', {
        stageName: form.stageName,
        bio: form.bio,
        genres: form.genres,
        ...(form.locationCity ? { locationCity: form.locationCity } : {}),
        ...(form.locationCountry ? { locationCountry: form.locationCountry.toUpperCase() } : {}),
        links,
      });
      setSaved(true);
      artist.reload();
    } catch (err) {
      const f = formErrors(err, ['stageName', 'bio', 'genres', 'locationCity', 'locationCountry', 'links'], PROFILE_LABELS);
      setErrors(f.fields);
      setError(f.message ?? 'Check the fields marked above.');
    }
  };
  const toggleGenre = (g: string) =>
    setForm((f) => ({ ...f, genres: f.genres.includes(g) ? f.genres.filter((x) => x !== g) : [...f.genres, g].slice(0, 5) }));

  return (
    <section aria-labelledby="profile-h">
      <h1 id="profile-h">Your artist profile</h1>
      <p className="small">
        Public page: <Link to={`/artist/${artist.data.slug}`}>/artist/{artist.data.slug}</Link> · {artist.data.followerCount} {plural(artist.data.followerCount, 'follower')} ·{' '}
        {artist.data.subscriberCount} {plural(artist.data.subscriberCount, 'subscriber')}
      </p>
      <section className="card form" aria-labelledby="images-h">
        <h2 id="images-h">Images</h2>
        <ImageInput kind="avatar" label="Avatar image" hint="Square crop; shown up to 512 px." onDone={artist.reload}>
          <Avatar artist={artist.data} size="large" />
        </ImageInput>
        <ImageInput kind="banner" label="Banner image" hint="4:1 crop; shown up to 1920 px wide." onDone={artist.reload}>
          {artist.data.banner && Object.keys(artist.data.banner).length > 0 ? (
            <img className="banner" src={artist.data.banner['640'] ?? Object.values(artist.data.banner)[0]} srcSet={srcSet(artist.data.banner)} sizes="24rem" alt="Current banner" data-testid="banner-preview" />
          ) : (
            <span className="muted small">No banner yet.</span>
          )}
        </ImageInput>
      </section>
      <form onSubmit={submit} className="form card" noValidate>
        <Field label="Stage name" required maxLength={100} value={form.stageName} onChange={(e) => setForm({ ...form, stageName: e.target.value })} error={errors.stageName} />
        <div className="field">
          <label htmlFor="bio">Bio</label>
          <textarea id="bio" rows={5} maxLength={5000} value={form.bio} onChange={(e) => setForm({ ...form, bio: e.target.value })} />
          {errors.bio && <small className="field__error">{errors.bio}</small>}
        </div>
        <fieldset className="genres">
          <legend>Genres (up to 5)</legend>
          {(genres.data?.genres ?? []).map((g) => (
            <label key={g} className="chip">
              <input type="checkbox" checked={form.genres.includes(g)} onChange={() => toggleGenre(g)} /> {g}
            </label>
          ))}
        </fieldset>
        <div className="row">
          <Field label="City" maxLength={100} value={form.locationCity} onChange={(e) => setForm({ ...form, locationCity: e.target.value })} error={errors.locationCity} />
          <Field label="Country (2 letters)" maxLength={2} value={form.locationCountry} onChange={(e) => setForm({ ...form, locationCountry: e.target.value })} error={errors.locationCountry} />
        </div>
        <div className="field">
          <label htmlFor="links">Links (one per line: label and URL)</label>
          <textarea id="links" rows={3} value={form.links} onChange={(e) => setForm({ ...form, links: e.target.value })} placeholder="Bandcamp https://example.bandcamp.com" />
          {errors.links && <small className="field__error">{errors.links}</small>}
        </div>
        <ErrorBox message={error} />
        {saved && <Notice>Profile saved.</Notice>}
        <button type="submit" className="btn btn--primary">
          Save profile
        </button>
      </form>
    </section>
  );
}

// JPEG, PNG or WebP up to 15 MB; the server crops and renders the standard sizes.
function ImageInput({ kind, label, hint, onDone, children }: { kind: 'avatar' | 'banner'; label: string; hint: string; onDone(): void; children: React.ReactNode }) {
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const id = `image-${kind}`;
  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setDone(false);
    setSent(0);
    try {
      await putFile(`/api/artists/profile/${kind}`, file, (f) => setSent(Math.round(f * 100)));
      setDone(true);
      onDone();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSent(null);
    }
  };
  return (
    <div className="image-field">
      {children}
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input id={id} type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => send(e.target.files?.[0])} aria-describedby={`${id}-hint`} />
        <small id={`${id}-hint`} className="muted">
          {hint} JPEG, PNG or WebP, up to 15 MB.
        </small>
        {sent !== null && <progress max={100} value={sent} aria-label={`Uploading the ${kind}`} />}
        {done && <span className="ok small" role="status">{kind === 'avatar' ? 'Avatar' : 'Banner'} updated.</span>}
        {error && (
          <span className="error small" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}

