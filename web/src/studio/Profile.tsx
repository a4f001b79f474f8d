import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage, get, put } from '../api/client';
import type { ArtistDetail } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Loading, Notice, useAsync } from '../components/ui';

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
      if (err instanceof ApiError) setErrors(Object.fromEntries(Object.entries(err.details).map(([k, v]) => [k, String(v)])));
      setError(errorMessage(err));
    }
  };
  const toggleGenre = (g: string) =>
    setForm((f) => ({ ...f, genres: f.genres.includes(g) ? f.genres.filter((x) => x !== g) : [...f.genres, g].slice(0, 5) }));

  return (
    <section aria-labelledby="profile-h">
      <h1 id="profile-h">Your artist profile</h1>
      <p className="small">
        Public page: <Link to={`/artist/${artist.data.slug}`}>/artist/{artist.data.slug}</Link> · {artist.data.followerCount} followers ·{' '}
        {artist.data.subscriberCount} subscribers
      </p>
      <form onSubmit={submit} className="form card">
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
