import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { explain, get, post } from '../api/client';
import type { PlaybackGrant, Track } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { attachStream, type Stream, type StreamFailure } from './hls';
import { loadSaved, loadSettings, saveSession, saveSettings, type Repeat } from './persist';

export type QueueItem = { track: Track; artistName?: string; artistSlug?: string };
export type { Repeat } from './persist';

type Player = {
  queue: QueueItem[];
  index: number;
  current: QueueItem | null;
  playing: boolean;
  time: number;
  duration: number;
  peaks: number[] | null;
  error: string | null;
  loading: boolean;
  /** The format of what is playing ("Lossless", "256 kbps", "128 kbps"), when known. */
  format: string | null;
  /** 0…1, the listener's own level (the loudness gain is applied separately). */
  volume: number;
  muted: boolean;
  shuffle: boolean;
  repeat: Repeat;
  /** The queue index Next would play, or -1. */
  nextIndex: number;
  /** The queue index Previous would play, or -1. */
  previousIndex: number;
  playQueue(items: QueueItem[], start?: number): void;
  enqueue(item: QueueItem): void;
  toggle(): void;
  seek(seconds: number): void;
  next(): void;
  previous(): void;
  jump(index: number): void;
  remove(index: number): void;
  setVolume(v: number): void;
  toggleMute(): void;
  toggleShuffle(): void;
  cycleRepeat(): void;
  /**
   * Loads `items[index]` and starts it at `atSeconds`, playing or paused (a listening party: the
   * room then keeps the audio in step with the party's state).
   */
  playAt(items: QueueItem[], index: number, atSeconds: number, play: boolean): void;
  /** The listening party driving the player (its controls are the host's), or null. */
  party: { id: string; title: string } | null;
  setParty(p: { id: string; title: string } | null): void;
  audio: React.RefObject<HTMLAudioElement | null>;
};

const PlayerContext = createContext<Player | null>(null);
const COUNT_AFTER_S = 30; // SPEC §4.3: a play counts after 30 s of listening

const identity = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * A shuffled play order over `n` queue entries that starts with `first`. With three or more entries
 * the result is never the queue's own order (a shuffle that plays in order looks broken).
 */
export function shuffledOrder(n: number, first: number): number[] {
  const rest = identity(n).filter((i) => i !== first);
  for (let attempt = 0; attempt < 8; attempt++) {
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [rest[i], rest[j]] = [rest[j], rest[i]];
    }
    const order = first >= 0 && first < n ? [first, ...rest] : rest;
    if (n < 3 || order.some((v, i) => v !== i)) return order;
  }
  const order = first >= 0 && first < n ? [first, ...rest] : rest;
  if (order.length >= 3) [order[order.length - 1], order[order.length - 2]] = [order[order.length - 2], order[order.length - 1]];
  return order;
}

/** Words for a failed stream: what happened and what to do, never an hls.js code. */
export function streamFailureText(f: StreamFailure): string {
  if (typeof navigator !== 'undefined' && !navigator.onLine) return 'You are offline. Playback resumes when you are back online.';
  if (f.kind === 'network') {
    if (f.status === 401 || f.status === 403 || f.status === 410)
      return 'The link to this stream expired. Press play to continue.';
    if (f.status === 404) return 'This track is no longer available.';
    if (f.status && f.status >= 500) return 'The server could not send this track right now. Press play to try again.';
    return 'The stream could not be loaded. Check your connection and press play to try again.';
  }
  if (f.kind === 'unsupported') return 'This browser cannot play this stream. Try a current version of Chrome, Firefox, Safari or Edge.';
  return 'This track could not be played. Press play to try again.';
}

export function PlayerProvider({ children }: { children: ReactNode }) {
  const { user, ready } = useAuth();
  const audio = useRef<HTMLAudioElement | null>(null);
  const stream = useRef<Stream | null>(null);
  const graph = useRef<{ ctx: AudioContext; gain: GainNode } | null>(null);
  const listened = useRef({ seconds: 0, last: 0, reported: false });
  const initial = useMemo(loadSettings, []);
  const [queue, setQueue] = useState<QueueItem[]>([]);
  const [order, setOrder] = useState<number[]>([]);
  const [index, setIndex] = useState(-1);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [peaks, setPeaks] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [format, setFormat] = useState<string | null>(null);
  const [party, setParty] = useState<{ id: string; title: string } | null>(null);
  const [volume, setVolumeState] = useState(initial.volume);
  const [muted, setMuted] = useState(initial.muted);
  const [shuffle, setShuffle] = useState(initial.shuffle);
  const [repeat, setRepeat] = useState<Repeat>(initial.repeat);
  // A stream that failed: play (or coming back online) loads it again where it stopped.
  const broken = useRef<{ at: number; wasPlaying: boolean } | null>(null);
  const pendingStart = useRef<{ at: number; play: boolean } | null>(null);
  const current = index >= 0 && index < queue.length ? queue[index] : null;

  // Where Next and Previous go: the play order (shuffled or not), wrapping with repeat all.
  const pos = order.indexOf(index);
  const nextIndex = pos < 0 ? -1 : pos + 1 < order.length ? order[pos + 1] : repeat === 'all' && order.length ? order[0] : -1;
  const previousIndex = pos < 0 ? -1 : pos > 0 ? order[pos - 1] : repeat === 'all' && order.length > 1 ? order[order.length - 1] : -1;

  // The newest state for event handlers registered once (media keys, keyboard, `ended`).
  const live = useRef({ nextIndex, previousIndex, repeat, index, party, current, user });
  live.current = { nextIndex, previousIndex, repeat, index, party, current, user };

  useEffect(() => saveSettings({ volume, muted, shuffle, repeat }), [volume, muted, shuffle, repeat]);

  // The listener's level on the element itself; Web Audio's MediaElementAudioSourceNode follows
  // the element's effective volume, so it composes with the loudness gain below.
  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    el.volume = volume;
    el.muted = muted;
  }, [volume, muted, current]);

  // Loudness normalisation: the stored gain to -14 LUFS, applied through Web Audio.
  const applyGain = useCallback((gainDb: number | null) => {
    const el = audio.current;
    if (!el) return;
    if (!graph.current) {
      const ctx = new AudioContext();
      const source = ctx.createMediaElementSource(el);
      const gain = ctx.createGain();
      source.connect(gain).connect(ctx.destination);
      graph.current = { ctx, gain };
    }
    const db = Math.max(-30, Math.min(12, gainDb ?? 0));
    graph.current.gain.gain.value = Math.pow(10, db / 20);
    el.dataset.gainDb = String(db); // what is applied, for the curious and for the e2e tests
    if (graph.current.ctx.state === 'suspended') void graph.current.ctx.resume();
  }, []);

  const describe = useCallback((e: unknown) => {
    if (typeof navigator !== 'undefined' && !navigator.onLine) return 'You are offline. Playback resumes when you are back online.';
    if (e instanceof DOMException && e.name === 'NotSupportedError') return 'This browser cannot play this track. Try a current version of Chrome, Firefox, Safari or Edge.';
    return explain(e);
  }, []);

  const load = useCallback(
    async (item: QueueItem) => {
      const el = audio.current;
      if (!el) return;
      stream.current?.destroy();
      stream.current = null;
      broken.current = null;
      el.pause();
      setError(null);
      setFormat(null);
      const start = pendingStart.current;
      pendingStart.current = null;
      setTime(start?.at ?? 0);
      setDuration(item.track.durationS ?? 0);
      setPeaks(item.track.peaks ?? null);
      listened.current = { seconds: 0, last: start?.at ?? 0, reported: false };
      if (item.track.locked) {
        setError('This track is locked for your membership tier.');
        return;
      }
      setLoading(true);
      try {
        applyGain(item.track.gainDb ?? null);
        const grant = await post<PlaybackGrant>(`/api/content/${item.track.id}/playback`);
        applyGain(grant.gainDb);
        if (grant.durationS) setDuration(grant.durationS);
        const onFail = (f: StreamFailure) => {
          broken.current = { at: el.currentTime, wasPlaying: !el.paused };
          stream.current?.destroy();
          stream.current = null;
          setPlaying(false);
          setError(streamFailureText(f));
        };
        stream.current = await attachStream(el, grant.masterUrl, onFail, setFormat, start?.at);
        if (broken.current) return;
        if (!start || start.play) await el.play();
        if (!item.track.peaks) {
          get<Track>(`/api/content/${item.track.id}`)
            .then((t) => setPeaks(t.peaks ?? null))
            .catch(() => {});
        }
      } catch (e) {
        if (e instanceof DOMException && (e.name === 'NotAllowedError' || e.name === 'AbortError')) {
          // The browser wants a gesture before sound (a restored session), or another track was
          // chosen while this one started: nothing is wrong.
        } else {
          broken.current = { at: start?.at ?? 0, wasPlaying: !start || start.play };
          setError(describe(e));
        }
      } finally {
        setLoading(false);
      }
    },
    [applyGain, describe],
  );

  // Loads the current entry again at `at` (after a failure or an expired stream link).
  const reloadAt = useCallback(
    (at: number, play: boolean) => {
      const item = live.current.current;
      if (!item) return;
      pendingStart.current = { at, play };
      void load(item);
    },
    [load],
  );

  useEffect(() => {
    if (current) void load(current);
    // Only a change of the playing entry reloads; edits elsewhere in the queue do not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.track.id, index]);

  // Now playing survives a reload: the queue, the play order and the position, for this user.
  const restored = useRef(false);
  useEffect(() => {
    if (!ready || restored.current) return;
    restored.current = true;
    const saved = loadSaved(user?.id ?? null);
    if (!saved || index >= 0) return;
    pendingStart.current = { at: saved.time, play: false };
    setQueue(saved.queue);
    setOrder(saved.order);
    setIndex(saved.index);
  }, [ready, user, index]);

  const timeRef = useRef(0);
  timeRef.current = time;
  useEffect(() => {
    if (!restored.current || party) return;
    saveSession(user?.id ?? null, { queue, order, index, time: timeRef.current });
    // The position is written by the timeupdate handler below, once a second.
  }, [queue, order, index, user, party]);

  const restart = useCallback(() => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = 0;
    listened.current = { seconds: 0, last: 0, reported: false };
    el.play().catch((e) => setError(describe(e)));
  }, [describe]);

  const goTo = useCallback(
    (i: number) => {
      if (i < 0) return;
      if (i === live.current.index) restart();
      else setIndex(i);
    },
    [restart],
  );

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    let savedSecond = -1;
    const onTime = () => {
      setTime(el.currentTime);
      const l = listened.current;
      const delta = el.currentTime - l.last;
      if (delta > 0 && delta < 2) l.seconds += delta; // seeking is not listening
      l.last = el.currentTime;
      if (!l.reported && l.seconds >= COUNT_AFTER_S && current) {
        l.reported = true;
        post(`/api/content/${current.track.id}/plays`, { listenedSeconds: Math.round(l.seconds) }).catch(() => {});
      }
      const second = Math.floor(el.currentTime);
      if (second !== savedSecond && !live.current.party && current) {
        savedSecond = second;
        saveSession(live.current.user?.id ?? null, { queue, order, index, time: el.currentTime });
      }
    };
    const onDuration = () => Number.isFinite(el.duration) && setDuration(el.duration);
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    const onEnded = () => {
      setPlaying(false);
      const l = live.current;
      if (l.party) return; // the party room moves the party on
      if (l.repeat === 'one') restart();
      else goTo(l.nextIndex);
    };
    el.addEventListener('timeupdate', onTime);
    el.addEventListener('durationchange', onDuration);
    el.addEventListener('play', onPlay);
    el.addEventListener('pause', onPause);
    el.addEventListener('ended', onEnded);
    return () => {
      el.removeEventListener('timeupdate', onTime);
      el.removeEventListener('durationchange', onDuration);
      el.removeEventListener('play', onPlay);
      el.removeEventListener('pause', onPause);
      el.removeEventListener('ended', onEnded);
    };
  }, [current, index, queue, order, restart, goTo]);

  // Back online after a failure: carry on where the stream stopped.
  useEffect(() => {
    const onOnline = () => {
      const b = broken.current;
      if (b) reloadAt(b.at, b.wasPlaying);
    };
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [reloadAt]);

  const toggle = useCallback(() => {
    const el = audio.current;
    if (!el || !live.current.current) return;
    if (broken.current) {
      reloadAt(broken.current.at, true);
      return;
    }
    if (graph.current?.ctx.state === 'suspended') void graph.current.ctx.resume();
    if (el.paused)
      el.play().catch((e) => {
        if (!(e instanceof DOMException && e.name === 'AbortError')) setError(describe(e));
      });
    else el.pause();
  }, [reloadAt, describe]);

  const seek = useCallback(
    (seconds: number) => {
      const el = audio.current;
      if (!el) return;
      el.currentTime = Math.max(0, Math.min(seconds, duration || seconds));
      listened.current.last = el.currentTime;
    },
    [duration],
  );

  const next = useCallback(() => goTo(live.current.nextIndex), [goTo]);
  const previous = useCallback(() => {
    const el = audio.current;
    if (el && el.currentTime > 3) {
      el.currentTime = 0;
      return;
    }
    goTo(live.current.previousIndex);
  }, [goTo]);

  // The Media Session: what the lock screen, notification shade and media keys show and control.
  useEffect(() => {
    if (!('mediaSession' in navigator)) return;
    const ms = navigator.mediaSession;
    if (!current) {
      ms.metadata = null;
      return;
    }
    const art = current.track.artwork ?? {};
    ms.metadata = new MediaMetadata({
      title: current.track.title,
      artist: current.artistName ?? '',
      album: party ? `Listening party: ${party.title}` : '',
      artwork: Object.entries(art).map(([w, src]) => ({ src: new URL(src, location.href).href, sizes: `${w}x${w}`, type: 'image/jpeg' })),
    });
  }, [current, party]);

  useEffect(() => {
    if (!('mediaSession' in navigator)) return;
    navigator.mediaSession.playbackState = !current ? 'none' : playing ? 'playing' : 'paused';
  }, [current, playing]);

  useEffect(() => {
    if (!('mediaSession' in navigator) || !current || !navigator.mediaSession.setPositionState) return;
    if (!(duration > 0)) return;
    try {
      navigator.mediaSession.setPositionState({ duration, position: Math.min(Math.max(0, time), duration), playbackRate: 1 });
    } catch {
      /* a duration the browser does not accept yet */
    }
    // Once a second is plenty for the lock screen, which extrapolates between updates.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current, duration, Math.floor(time), playing]);

  useEffect(() => {
    if (!('mediaSession' in navigator)) return;
    const ms = navigator.mediaSession;
    const set = (action: MediaSessionAction, handler: MediaSessionActionHandler | null) => {
      try {
        ms.setActionHandler(action, handler);
      } catch {
        /* an action this browser does not know */
      }
    };
    const el = () => audio.current;
    set('play', () => {
      const a = el();
      if (a?.paused) toggle();
    });
    set('pause', () => {
      const a = el();
      if (a && !a.paused) toggle();
    });
    // In a listening party the host drives the track and the position.
    const own = !party;
    set('previoustrack', own ? () => previous() : null);
    set('nexttrack', own ? () => next() : null);
    set('seekto', own ? (d) => d.seekTime !== undefined && seek(d.seekTime) : null);
    set('seekbackward', own ? (d) => seek((el()?.currentTime ?? 0) - (d.seekOffset ?? 10)) : null);
    set('seekforward', own ? (d) => seek((el()?.currentTime ?? 0) + (d.seekOffset ?? 10)) : null);
  }, [toggle, previous, next, seek, party]);

  // Space (or K) plays and pauses from anywhere on the page except where the key means something:
  // text fields, buttons, links, sliders and menus keep it. M mutes.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      if (!live.current.current) return;
      const t = e.target as HTMLElement | null;
      if (t?.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="textbox"], [role="slider"], [role="menu"], [role="listbox"]'))
        return;
      const key = e.key.toLowerCase();
      if (key === ' ' || key === 'k') {
        if (key === ' ' && t?.closest('button, a[href], summary, [role="button"], [role="link"], [role="checkbox"], [role="tab"]')) return;
        e.preventDefault();
        toggle();
      } else if (key === 'm') {
        e.preventDefault();
        setMuted((m) => !m);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggle]);

  const value = useMemo<Player>(
    () => ({
      queue,
      index,
      current,
      playing,
      time,
      duration,
      peaks,
      error,
      loading,
      format,
      audio,
      party,
      setParty,
      volume,
      muted,
      shuffle,
      repeat,
      nextIndex,
      previousIndex,
      playAt(items, start, atSeconds, play) {
        pendingStart.current = { at: Math.max(0, atSeconds), play };
        setQueue(items);
        setOrder(identity(items.length));
        setIndex(-1);
        queueMicrotask(() => setIndex(start));
      },
      playQueue(items, start = 0) {
        setQueue(items);
        setOrder(shuffle ? shuffledOrder(items.length, start) : identity(items.length));
        setIndex(-1);
        // A fresh index makes the effect reload even when the same track is chosen again.
        queueMicrotask(() => setIndex(start));
      },
      enqueue(item) {
        setOrder((o) => [...o, queue.length]);
        setQueue((q) => [...q, item]);
        setIndex((i) => (i < 0 ? 0 : i));
      },
      toggle,
      seek,
      next,
      previous,
      jump(i) {
        goTo(i);
      },
      remove(i) {
        setQueue((q) => q.filter((_, j) => j !== i));
        setOrder((o) => o.filter((j) => j !== i).map((j) => (j > i ? j - 1 : j)));
        if (i === index) {
          // The removed entry was playing: the one after it in play order takes its place.
          const after = nextIndex === i ? -1 : nextIndex;
          if (after < 0) {
            audio.current?.pause();
            setIndex(-1);
          } else setIndex(after > i ? after - 1 : after);
        } else if (i < index) setIndex(index - 1);
      },
      setVolume(v) {
        const clamped = Math.max(0, Math.min(1, v));
        setVolumeState(clamped);
        if (clamped > 0) setMuted(false);
      },
      toggleMute() {
        setMuted((m) => !m);
      },
      toggleShuffle() {
        const on = !shuffle;
        setShuffle(on);
        setOrder(on ? shuffledOrder(queue.length, index) : identity(queue.length));
      },
      cycleRepeat() {
        setRepeat((r) => (r === 'off' ? 'all' : r === 'all' ? 'one' : 'off'));
      },
    }),
    [queue, index, current, playing, time, duration, peaks, error, loading, format, party, volume, muted, shuffle, repeat, nextIndex, previousIndex, toggle, seek, next, previous, goTo],
  );

  return <PlayerContext.Provider value={value}>{children}</PlayerContext.Provider>;
}

export function usePlayer(): Player {
  const p = useContext(PlayerContext);
  if (!p) throw new Error('usePlayer outside PlayerProvider');
  return p;
}
