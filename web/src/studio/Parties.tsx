// The studio's listening parties: schedule or start one (a queue of my ready tracks, a minimum tier,
// a capacity), start or end it, and each ended party's summary.
import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, explain, get, post, qs } from '../api/client';
import { TIER_LABEL, formatDate, formatDuration, type ArtistContent, type Party, type PartySummary, type TierName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Loading, Notice, useAsync } from '../components/ui';
import { PartySummaryView } from '../parties/PartyRoom';

const LABELS = { title: 'Party title', trackIds: 'Tracks', minTier: 'Who can join', capacity: 'Capacity', scheduledAt: 'Start time', startNow: 'Start now' };

export function PartiesPanel() {
  const { user } = useAuth();
  const content = useAsync((s) => get<ArtistContent>(`/api/artists/${user!.id}/content`, s), [user?.id]);
  const parties = useAsync((s) => get<{ parties: Party[] }>(`/api/parties${qs({ artistId: user!.id, ended: 'true', limit: 50 })}`, s), [user?.id]);
  const [title, setTitle] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [minTier, setMinTier] = useState<TierName>('free');
  const [capacity, setCapacity] = useState('500');
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [at, setAt] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const tracks = (content.data?.releases ?? []).flatMap((r) =>
    (r.tracks ?? []).filter((t) => !t.status || t.status === 'ready').map((t) => ({ ...t, releaseTitle: r.title })),
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setError(null);
    setMsg(null);
    const local: Record<string, string> = {};
    if (!title.trim()) local.title = 'Party title is required: give the party a title.';
    if (picked.length === 0) local.trackIds = 'Tracks: pick at least one track for the queue.';
    const cap = Number(capacity);
    if (!Number.isInteger(cap) || cap < 1 || cap > 100000) local.capacity = 'Capacity must be a whole number of listeners from 1 to 100000.';
    if (when === 'later' && !at) local.scheduledAt = 'Start time is required: choose when the party starts, or pick "Start now".';
    if (when === 'later' && at && new Date(at).getTime() < Date.now()) local.scheduledAt = 'Start time must be in the future: choose a later time.';
    if (Object.keys(local).length) {
      setErrors(local);
      setError('Some fields need attention: see the messages under them.');
      return;
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { title: title.trim(), trackIds: picked, minTier, capacity: cap };
      if (when === 'now') body.startNow = true;
      else body.scheduledAt = new Date(at).toISOString();
      const p = await post<Party>('/api/parties', body);
      setMsg(p.status === 'live' ? `“${p.title}” is live.` : `“${p.title}” is scheduled for ${formatDate(p.scheduledAt)}.`);
      setTitle('');
      setPicked([]);
      parties.reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        const fe: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.details)) if (typeof v === 'string') fe[k] = `${LABELS[k as keyof typeof LABELS] ?? k} ${v}.`;
        setErrors(fe);
      }
      setError(explain(err, LABELS));
    } finally {
      setBusy(false);
    }
  };

  const lifecycle = async (p: Party, what: 'start' | 'end') => {
    setError(null);
    if (what === 'end' && !window.confirm(`End “${p.title}” for everyone?`)) return;
    try {
      await post(`/api/parties/${p.id}/${what}`);
      parties.reload();
    } catch (err) {
      setError(explain(err));
    }
  };

  const toggle = (id: string) => setPicked((cur) => (cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id]));
  const all = parties.data?.parties ?? [];
  const current = all.filter((p) => p.status !== 'ended');
  const ended = all.filter((p) => p.status === 'ended');

  return (
    <section aria-labelledby="parties-h">
      <h1 id="parties-h">Listening parties</h1>
      <form className="card form" onSubmit={submit} aria-labelledby="new-party-h" noValidate>
        <h2 id="new-party-h">New party</h2>
        <Field label="Party title" value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} error={errors.title} />
        <fieldset aria-describedby={errors.trackIds ? 'party-tracks-error' : undefined}>
          <legend>Tracks, in the order they play</legend>
          {content.loading && !content.data && <Loading />}
          {content.data && tracks.length === 0 && <p className="muted">No ready tracks yet. Upload one under Releases &amp; uploads.</p>}
          <div className="track-picker">
            {tracks.map((t) => (
              <label key={t.id} className="chip party-pick">
                <input type="checkbox" checked={picked.includes(t.id)} onChange={() => toggle(t.id)} />
                {picked.includes(t.id) && <span className="badge">{picked.indexOf(t.id) + 1}</span>}
                {t.title} <span className="muted small">· {t.releaseTitle} · {formatDuration(t.durationS)}{t.minTier && t.minTier !== 'free' ? ` · ${TIER_LABEL[t.minTier]}` : ''}</span>
              </label>
            ))}
          </div>
          {errors.trackIds && (
            <small id="party-tracks-error" className="field__error">
              {errors.trackIds}
            </small>
          )}
        </fieldset>
        <div className="row">
          <div className="field">
            <label htmlFor="party-tier">Who can join</label>
            <select id="party-tier" value={minTier} onChange={(e) => setMinTier(e.target.value as TierName)} aria-describedby={errors.minTier ? 'party-tier-error' : undefined}>
              <option value="free">Everyone (free and up)</option>
              <option value="supporter">Supporters and superfans</option>
              <option value="superfan">Superfans only</option>
            </select>
            {errors.minTier && (
              <small id="party-tier-error" className="field__error">
                {errors.minTier}
              </small>
            )}
          </div>
          <Field label="Capacity (listeners)" type="number" min={1} max={100000} inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} error={errors.capacity} />
        </div>
        <fieldset>
          <legend>When</legend>
          <div className="choice">
            <label>
              <input type="radio" name="party-when" checked={when === 'now'} onChange={() => setWhen('now')} /> Start now
            </label>
            <label>
              <input type="radio" name="party-when" checked={when === 'later'} onChange={() => setWhen('later')} /> Schedule
            </label>
          </div>
          {when === 'later' && <Field label="Start time" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} error={errors.scheduledAt} />}
        </fieldset>
        <ErrorBox message={error} />
        {msg && <Notice>{msg}</Notice>}
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {when === 'now' ? 'Start the party' : 'Schedule the party'}
        </button>
      </form>

      <h2>Live and upcoming</h2>
      {parties.loading && !parties.data ? <Loading /> : <ErrorBox message={parties.error} />}
      {parties.data && current.length === 0 && <p className="muted">None right now.</p>}
      <ul className="party-list">
        {current.map((p) => (
          <li key={p.id} className="card party-card" data-testid="studio-party">
            <p className="small muted">
              {p.status === 'live' ? `Live · ${p.listeners ?? 0} listening` : `Scheduled for ${formatDate(p.scheduledAt)}`} · {TIER_LABEL[p.minTier]} and up · up to {p.capacity}
            </p>
            <h3>{p.title}</h3>
            <div className="row">
              <Link className="btn btn--primary" to={`/parties/${p.id}`}>
                Open the room<span className="visually-hidden"> of {p.title}</span>
              </Link>
              {p.status === 'scheduled' && (
                <button type="button" className="btn" onClick={() => lifecycle(p, 'start')}>
                  Start now<span className="visually-hidden">: {p.title}</span>
                </button>
              )}
              <button type="button" className="btn btn--ghost" onClick={() => lifecycle(p, 'end')}>
                End<span className="visually-hidden"> {p.title}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>

      <h2>Ended parties</h2>
      {parties.data && ended.length === 0 && <p className="muted">No ended parties yet.</p>}
      <ul className="list">
        {ended.map((p) => (
          <EndedParty key={p.id} party={p} />
        ))}
      </ul>
    </section>
  );
}

function EndedParty({ party }: { party: Party }) {
  const [summary, setSummary] = useState<PartySummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<PartySummary>(`/api/parties/${party.id}/summary`).then(setSummary, (e) => setError(explain(e)));
  }, [party.id]);
  return (
    <li className="card" data-testid="ended-party">
      <h3>{party.title}</h3>
      <p className="small muted">
        {formatDate(party.startedAt)} – {formatDate(party.endedAt)}
      </p>
      <ErrorBox message={error} />
      {summary && <PartySummaryView summary={summary} />}
    </li>
  );
}
