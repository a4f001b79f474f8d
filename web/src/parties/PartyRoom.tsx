// A listening party room (SPEC §4.10): the synchronised player, the queue, chat, reactions, the
// listener count, and the host's controls.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { del, explain, get, post, put, qs } from '../api/client';
import { realtime, useChannel, type Refusal } from '../api/realtime';
import {
  REACTIONS,
  REACTION_NAME,
  TIER_LABEL,
  formatDate,
  formatDuration,
  type PartyChatMessage,
  type PartyDetail,
  type PartyState,
  type PartySummary,
  type Track,
} from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, TierBadge, useTitle } from '../components/ui';
import { usePlayer, type QueueItem } from '../player/PlayerContext';
import { livePosition, measureOffset } from './sync';

const DRIFT_S = 0.25; // SPEC §4.10: within 250 ms of the host
const SYNC_EVERY_MS = 200;
const RESYNC_CLOCK_MS = 60_000;
const CHAT_MAX = 500;

function refusalText(r: Refusal, artistName?: string): string {
  switch (r.code) {
    case 'tier_required': {
      const tier = TIER_LABEL[(r.details?.tier as keyof typeof TIER_LABEL) ?? 'supporter'] ?? 'a higher';
      return `This party is for ${tier} members${artistName ? ` of ${artistName}` : ''}, and your membership does not include it (any more). Subscribe on the artist's page to listen.`;
    }
    case 'party_full':
      return 'This party is full. Try again when a listener leaves.';
    case 'party_ended':
      return 'This listening party has ended.';
    case 'not_found':
      return 'This listening party does not exist any more.';
    default:
      return r.message || 'You can no longer listen to this party.';
  }
}

export default function PartyRoom() {
  const { id = '' } = useParams();
  const { user } = useAuth();
  const player = usePlayer();
  const [party, setParty] = useState<PartyDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [listeners, setListeners] = useState<number | null>(null);
  const [chat, setChat] = useState<PartyChatMessage[]>([]);
  const [chatCursor, setChatCursor] = useState<string | null>(null);
  const [bursts, setBursts] = useState<{ key: number; emoji: string }[]>([]);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [chatError, setChatError] = useState<string | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  const [mutedMe, setMutedMe] = useState(false);
  const [needsTap, setNeedsTap] = useState(false);
  const [summary, setSummary] = useState<PartySummary | null>(null);
  const [clock, setClock] = useState<{ offsetMs: number; rttMs: number } | null>(null);
  const [, setTick] = useState(0);
  useTitle(party?.title ?? 'Listening party');

  const stateRef = useRef<PartyState | null>(null);
  const partyRef = useRef<PartyDetail | null>(null);
  partyRef.current = party;
  const offsetRef = useRef(0);
  const playerRef = useRef(player);
  playerRef.current = player;
  const loadingTrack = useRef<string | null>(null);
  const lastSeek = useRef(0);
  const burstKey = useRef(0);
  const seekTimer = useRef<number | undefined>(undefined);
  const [seekDraft, setSeekDraft] = useState<number | null>(null);

  const applyState = useCallback((s: PartyState | undefined | null) => {
    if (!s) return;
    if (stateRef.current && s.version < stateRef.current.version) return;
    stateRef.current = s;
    setParty((p) => (p ? { ...p, state: s } : p));
  }, []);

  const load = useCallback(async () => {
    try {
      const t0 = Date.now();
      const d = await get<PartyDetail>(`/api/parties/${id}`);
      // A first guess of the clock offset from the HTTP answer, until the pings refine it.
      if (!clockMeasured.current) offsetRef.current = d.serverTime - (t0 + Date.now()) / 2;
      stateRef.current = null;
      applyState(d.state);
      setParty(d);
      setListeners(d.listeners);
      if (d.status === 'ended') setSummary(d.summary ?? null);
      setLoadError(null);
    } catch (e) {
      setLoadError(explain(e));
    }
  }, [id, applyState]);
  const clockMeasured = useRef(false);

  useEffect(() => {
    stateRef.current = null;
    clockMeasured.current = false;
    setParty(null);
    setRefusal(null);
    setChat([]);
    void load();
  }, [load, user?.id]);

  const loadChat = useCallback(
    async (before: string | null) => {
      try {
        const r = await get<{ messages: PartyChatMessage[]; nextCursor: string | null }>(`/api/parties/${id}/messages${qs({ limit: 50, cursor: before })}`);
        const older = [...r.messages].reverse();
        setChat((cur) => {
          const known = new Set(cur.map((m) => m.id));
          const merged = before ? [...older.filter((m) => !known.has(m.id)), ...cur] : [...older, ...cur.filter((m) => !older.some((o) => o.id === m.id))];
          return merged;
        });
        setChatCursor(r.nextCursor);
      } catch {
        /* the chat history is a nicety; live messages still arrive */
      }
    },
    [id],
  );

  const syncClock = useCallback(async () => {
    const best = await measureOffset(6);
    if (best) {
      clockMeasured.current = true;
      offsetRef.current = best.offsetMs;
      setClock(best);
    }
  }, []);

  const canListen = Boolean(user && party?.you.canListen && party.status !== 'ended');
  useChannel(canListen ? `party:${id}` : null, {
    ready() {
      setRefusal(null);
      void syncClock();
      void load();
      void loadChat(null);
    },
    reload() {
      void load();
      void loadChat(null);
    },
    refused(r) {
      setRefusal(r);
      playerRef.current.audio.current?.pause();
      playerRef.current.setParty(null);
    },
    event(e) {
      const p = e.payload;
      switch (e.type) {
        case 'party.started':
          setParty((cur) => (cur ? { ...cur, status: 'live', startedAt: cur.startedAt ?? new Date().toISOString() } : cur));
          applyState(p.state);
          break;
        case 'party.state':
          applyState(p.state);
          break;
        case 'party.ended':
          setParty((cur) => (cur ? { ...cur, status: 'ended', endedAt: new Date().toISOString() } : cur));
          setSummary(p.summary ?? null);
          playerRef.current.audio.current?.pause();
          playerRef.current.setParty(null);
          break;
        case 'party.chat':
          setChat((cur) => (cur.some((m) => m.id === p.id) ? cur : [...cur, p as PartyChatMessage].slice(-300)));
          break;
        case 'party.chat_deleted':
          setChat((cur) => cur.filter((m) => m.id !== String(p.id)));
          break;
        case 'party.reaction': {
          const key = ++burstKey.current;
          setBursts((b) => [...b.slice(-11), { key, emoji: String(p.emoji) }]);
          setCounts((c) => ({ ...c, [p.emoji]: (c[p.emoji] ?? 0) + 1 }));
          window.setTimeout(() => setBursts((b) => b.filter((x) => x.key !== key)), 2500);
          break;
        }
        case 'party.muted':
          if (p.userId === user?.id) setMutedMe(Boolean(p.muted));
          break;
        case 'party.cohost':
          if (p.userId === user?.id) void load();
          break;
        case 'presence':
          if (typeof p.listeners === 'number') setListeners(p.listeners);
          break;
      }
    },
  });

  // Re-measure the clock now and then (clocks drift; the first samples may have been unlucky).
  useEffect(() => {
    if (!canListen) return;
    const t = window.setInterval(() => void syncClock(), RESYNC_CLOCK_MS);
    return () => window.clearInterval(t);
  }, [canListen, syncClock]);

  // The party drives the player while the room is open; leaving the room stops its audio.
  const live = canListen && party?.status === 'live' && !refusal;
  useEffect(() => {
    if (!live || !party) return;
    playerRef.current.setParty({ id: party.id, title: party.title });
    return () => {
      playerRef.current.setParty(null);
      playerRef.current.audio.current?.pause();
      loadingTrack.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, party?.id]);

  // The sync loop: the right track, playing or paused like the party, within 250 ms of its position.
  useEffect(() => {
    if (!live) return;
    const t = window.setInterval(() => {
      const s = stateRef.current;
      const d = partyRef.current;
      const pl = playerRef.current;
      const el = pl.audio.current;
      if (!s || !d || !el || d.queue.length === 0) return;
      const pos = livePosition(s, d.queue, offsetRef.current);
      const entry = d.queue[pos.index];
      const want = pos.positionMs / 1000;
      if (pl.current?.track.id !== entry.id) {
        if (loadingTrack.current === entry.id) return;
        loadingTrack.current = entry.id;
        const items: QueueItem[] = d.queue.map((q, i) => ({
          track: { id: q.id, title: q.title, releaseId: '', position: i + 1, locked: null, durationS: q.durationS } as Track,
          artistName: d.artistName,
          artistSlug: d.artistId,
        }));
        pl.playAt(items, pos.index, want, pos.playing);
        return;
      }
      loadingTrack.current = null;
      if (pl.loading) return;
      const drift = el.currentTime - want;
      if (!pos.playing) {
        if (!el.paused) el.pause();
        if (Math.abs(drift) > DRIFT_S && !el.seeking) el.currentTime = want;
        return;
      }
      if (el.paused) {
        el.currentTime = want;
        el.play().then(
          () => setNeedsTap(false),
          () => setNeedsTap(true),
        );
        return;
      }
      const now = Date.now();
      if (Math.abs(drift) > DRIFT_S && !el.seeking && el.readyState >= 1 && now - lastSeek.current > 1000) {
        lastSeek.current = now;
        el.currentTime = want;
      }
    }, SYNC_EVERY_MS);
    return () => window.clearInterval(t);
  }, [live]);

  // The host's position display moves on its own.
  useEffect(() => {
    if (!live) return;
    const t = window.setInterval(() => setTick((n) => n + 1), 500);
    return () => window.clearInterval(t);
  }, [live]);

  if (loadError && !party) return <ErrorBox message={loadError} />;
  if (!party) return <Loading />;

  const state = party.state;
  const pos = livePosition(state, party.queue, offsetRef.current);
  const currentEntry = party.queue[pos.index];

  const control = async (body: Record<string, unknown>) => {
    setControlError(null);
    try {
      const r = await post<{ state: PartyState }>(`/api/parties/${party.id}/control`, body);
      applyState(r.state);
    } catch (e) {
      setControlError(explain(e, { positionMs: 'The position', index: 'The track', action: 'The action' }));
    }
  };
  // The server's index may lag when tracks ran out on their own: move it to where the party is first.
  const atLive = async () => {
    if (pos.index !== state.index) await control({ action: 'skip', index: pos.index });
  };
  const lifecycle = async (what: 'start' | 'end') => {
    setControlError(null);
    if (what === 'end' && !window.confirm('End the party for everyone? Chat and playback stop.')) return;
    try {
      const r = await post<PartyDetail>(`/api/parties/${party.id}/${what}`);
      setParty((cur) => (cur ? { ...cur, status: r.status, startedAt: r.startedAt, endedAt: r.endedAt } : cur));
      applyState(r.state);
      if (r.summary) setSummary(r.summary);
    } catch (e) {
      setControlError(explain(e));
    }
  };

  const sendChat = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const input = form.elements.namedItem('chat') as HTMLInputElement;
    const body = input.value;
    if (!body.trim()) return;
    setChatError(null);
    try {
      const m = await post<PartyChatMessage>(`/api/parties/${party.id}/messages`, { body });
      setChat((cur) => (cur.some((x) => x.id === m.id) ? cur : [...cur, m]));
      input.value = '';
    } catch (err) {
      setChatError(explain(err, { body: 'Your message' }));
    }
  };
  const react = async (emoji: string) => {
    setChatError(null);
    try {
      await post(`/api/parties/${party.id}/reactions`, { emoji });
    } catch (err) {
      setChatError(explain(err, { emoji: 'The reaction' }));
    }
  };
  const deleteChat = async (m: PartyChatMessage) => {
    try {
      await del(`/api/parties/${party.id}/messages/${m.id}`);
      setChat((cur) => cur.filter((x) => x.id !== m.id));
    } catch (err) {
      setChatError(explain(err));
    }
  };
  const muteUser = async (m: PartyChatMessage) => {
    try {
      await put(`/api/parties/${party.id}/mutes/${m.userId}`, {});
      setChatError(null);
    } catch (err) {
      setChatError(explain(err));
    }
  };

  const canControl = party.you.canControl;
  const durationS = currentEntry?.durationS ?? 0;

  return (
    <div className="party">
      <header className="party__head">
        <div>
          <p className="muted small">
            Listening party · <Link to={`/artist/${party.artistId}`}>{party.artistName}</Link>
            {party.minTier !== 'free' && (
              <>
                {' '}
                · <TierBadge tier={party.minTier} /> and up
              </>
            )}
          </p>
          <h1>{party.title}</h1>
        </div>
        <p className="party__status">
          {party.status === 'live' && (
            <span className="live-pill">
              <span className="live-dot" aria-hidden="true" /> Live
            </span>
          )}
          {party.status === 'scheduled' && <span>Starts {party.scheduledAt ? formatDate(party.scheduledAt) : 'soon'}</span>}
          {party.status === 'ended' && <span>Ended</span>}
          {listeners !== null && party.status === 'live' && (
            <span className="muted" data-testid="listener-count" aria-live="polite">
              {' '}
              · {listeners} listening
            </span>
          )}
        </p>
      </header>

      {!user && (
        <p className="notice">
          <Link to={`/login?next=${encodeURIComponent(`/parties/${party.id}`)}`}>Log in</Link> to join the party.
        </p>
      )}
      {user && !party.you.canListen && party.status !== 'ended' && (
        <p className="error" role="alert">
          This party is for {TIER_LABEL[party.minTier]} members of {party.artistName}.{' '}
          <Link to={`/artist/${party.artistId}`}>Subscribe on their page</Link> to listen.
        </p>
      )}
      {refusal && (
        <div className="error" role="alert" data-testid="party-refused">
          <p>{refusalText(refusal, party.artistName)}</p>
          {refusal.code !== 'party_ended' && (
            <button type="button" className="btn btn--small" onClick={() => realtime.retry(`party:${party.id}`)}>
              Try again
            </button>
          )}
        </div>
      )}

      {party.status === 'ended' && (
        <section className="card" aria-labelledby="ended-h">
          <h2 id="ended-h">This listening party has ended</h2>
          {summary ? (
            <PartySummaryView summary={summary} />
          ) : (
            <p className="muted">
              Thanks for listening. <Link to={`/artist/${party.artistId}`}>Back to {party.artistName}</Link>
            </p>
          )}
        </section>
      )}

      {party.status === 'scheduled' && (
        <section className="card">
          <p>The party has not started yet. Keep this page open: the music starts here when {party.artistName} starts it.</p>
          {party.you.host && (
            <button type="button" className="btn btn--primary" onClick={() => lifecycle('start')}>
              Start the party now
            </button>
          )}
        </section>
      )}

      {party.status === 'live' && (
        <div className="party__grid">
          <section className="card party__now" aria-labelledby="now-h">
            <h2 id="now-h">Now playing</h2>
            <p className="party__track" data-testid="party-track">
              {pos.finished ? 'The queue has finished.' : currentEntry?.title}
            </p>
            <p className="time" data-testid="party-position">
              {formatDuration(pos.positionMs / 1000)} / {formatDuration(durationS)} · {pos.playing ? 'playing' : 'paused'}
            </p>
            <progress max={Math.max(1, durationS)} value={Math.min(durationS, pos.positionMs / 1000)} aria-label="Position in the track" />
            {needsTap && (
              <button type="button" className="btn btn--primary" onClick={() => void playerRef.current.audio.current?.play().then(() => setNeedsTap(false), () => {})}>
                Start listening
              </button>
            )}
            <p className="muted small">
              {clock ? `In sync with the party (clock measured to ±${Math.ceil(clock.rttMs / 2)} ms).` : 'Syncing with the party…'}
            </p>
            {canControl && (
              <div className="party__controls" role="group" aria-label="Host controls">
                <div className="row">
                  <button type="button" className="btn" onClick={() => control({ action: 'previous', index: Math.max(0, pos.index - 1) })} disabled={pos.index === 0}>
                    Previous
                  </button>
                  {pos.playing ? (
                    <button type="button" className="btn btn--primary" onClick={async () => { await atLive(); await control({ action: 'pause' }); }}>
                      Pause
                    </button>
                  ) : (
                    <button type="button" className="btn btn--primary" onClick={async () => { await atLive(); await control({ action: 'play' }); }}>
                      Play
                    </button>
                  )}
                  <button type="button" className="btn" onClick={() => control({ action: 'skip', index: pos.index + 1 })} disabled={pos.index + 1 >= party.queue.length}>
                    Skip
                  </button>
                  <button type="button" className="btn btn--ghost" onClick={() => lifecycle('end')}>
                    End party
                  </button>
                </div>
                <label htmlFor="party-seek" className="small">
                  Seek (for everyone)
                </label>
                <input
                  id="party-seek"
                  type="range"
                  min={0}
                  max={Math.max(1, Math.floor(durationS))}
                  step={1}
                  value={seekDraft ?? Math.floor(pos.positionMs / 1000)}
                  aria-valuetext={`${formatDuration(seekDraft ?? pos.positionMs / 1000)} of ${formatDuration(durationS)}`}
                  onChange={(e) => {
                    // One request when the slider stops moving, not one per step of a drag.
                    const s = Number(e.target.value);
                    setSeekDraft(s);
                    window.clearTimeout(seekTimer.current);
                    seekTimer.current = window.setTimeout(async () => {
                      await atLive();
                      await control({ action: 'seek', positionMs: Math.round(s * 1000) });
                      setSeekDraft(null);
                    }, 350);
                  }}
                />
                <ErrorBox message={controlError} />
              </div>
            )}
          </section>

          <section className="card party__queue" aria-labelledby="queue-h">
            <h2 id="queue-h">Queue</h2>
            <ol className="party-queue">
              {party.queue.map((q, i) => (
                <li key={`${q.id}-${i}`} className={i === pos.index ? 'party-queue__current' : ''} aria-current={i === pos.index ? 'true' : undefined}>
                  <span>
                    {q.title} <span className="muted small">{formatDuration(q.durationS)}</span>
                  </span>
                  {canControl && i !== pos.index && (
                    <button type="button" className="btn btn--ghost btn--small" onClick={() => control({ action: 'skip', index: i })}>
                      Play<span className="visually-hidden"> {q.title} for everyone</span>
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </section>

          <section className="card party__chat" aria-labelledby="chat-h">
            <h2 id="chat-h">Chat</h2>
            <div className="reactions" role="group" aria-label="Reactions">
              {REACTIONS.map((r) => (
                <button key={r} type="button" className="reaction" onClick={() => react(r)} disabled={!canListen || mutedMe} aria-label={`React: ${REACTION_NAME[r]}${counts[r] ? ` (${counts[r]})` : ''}`} title={REACTION_NAME[r]}>
                  {r}
                  {counts[r] ? <span className="small muted" aria-hidden="true"> {counts[r]}</span> : null}
                </button>
              ))}
            </div>
            <div className="bursts" aria-hidden="true">
              {bursts.map((b) => (
                <span key={b.key} className="burst">
                  {b.emoji}
                </span>
              ))}
            </div>
            {chatCursor && (
              <button type="button" className="btn btn--ghost btn--small" onClick={() => loadChat(chatCursor)}>
                Load earlier messages
              </button>
            )}
            <ol className="party-chat" aria-live="polite" aria-label="Messages in the chat" data-testid="party-chat">
              {chat.map((m) => (
                <li key={m.id}>
                  <strong>@{m.username}</strong>
                  {m.badge === 'artist' ? <span className="tier-badge tier-badge--superfan">Artist</span> : m.badge ? <TierBadge tier={m.badge} /> : null} {m.body}
                  {(m.userId === user?.id || canControl) && (
                    <button type="button" className="link-btn small" onClick={() => deleteChat(m)}>
                      Delete<span className="visually-hidden"> message by @{m.username}</span>
                    </button>
                  )}
                  {canControl && m.userId !== user?.id && m.userId !== party.artistId && (
                    <button type="button" className="link-btn small" onClick={() => muteUser(m)}>
                      Mute @{m.username}
                    </button>
                  )}
                </li>
              ))}
            </ol>
            {mutedMe ? (
              <p className="muted">The host muted you in this party; you can still listen.</p>
            ) : (
              <form className="row party-chat__form" onSubmit={sendChat}>
                <label htmlFor="party-chat-input" className="visually-hidden">
                  Chat message
                </label>
                <input id="party-chat-input" name="chat" maxLength={CHAT_MAX} placeholder="Say something" disabled={!canListen} autoComplete="off" />
                <button type="submit" className="btn" disabled={!canListen}>
                  Send
                </button>
              </form>
            )}
            <ErrorBox message={chatError} />
          </section>
        </div>
      )}
    </div>
  );
}

export function PartySummaryView({ summary }: { summary: PartySummary }) {
  return (
    <dl className="stats" data-testid="party-summary">
      <div className="card stat">
        <dt>Peak listeners</dt>
        <dd>{summary.peakListeners}</dd>
      </div>
      <div className="card stat">
        <dt>Chat messages</dt>
        <dd>{summary.messages}</dd>
      </div>
      <div className="card stat">
        <dt>Reactions</dt>
        <dd>{summary.reactions}</dd>
      </div>
    </dl>
  );
}
