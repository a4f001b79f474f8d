import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { errorMessage, get, post } from '../api/client';
import type { PlaybackGrant, Track } from '../api/types';
import { attachStream, type Stream } from './hls';

export type QueueItem = { track: Track; artistName?: string; artistSlug?: string };

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
  playQueue(items: QueueItem[], start?: number): void;
  enqueue(item: QueueItem): void;
  toggle(): void;
  seek(seconds: number): void;
  next(): void;
  previous(): void;
  jump(index: number): void;
  remove(index: number): void;
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

export function PlayerProvider({ children }: { children: ReactNode }) {
  const audio = useRef<HTMLAudioElement | null>(null);
  const stream = useRef<Stream | null>(null);
  const graph = useRef<{ ctx: AudioContext; gain: GainNode } | null>(null);
  const listened = useRef({ seconds: 0, last: 0, reported: false });
  const [queue, setQueue] = useState<QueueItem[]>([]);
  const [index, setIndex] = useState(-1);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [peaks, setPeaks] = useState<number[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [format, setFormat] = useState<string | null>(null);
  const [party, setParty] = useState<{ id: string; title: string } | null>(null);
  const pendingStart = useRef<{ at: number; play: boolean } | null>(null);
  const current = index >= 0 && index < queue.length ? queue[index] : null;

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

  const load = useCallback(
    async (item: QueueItem) => {
      const el = audio.current;
      if (!el) return;
      stream.current?.destroy();
      stream.current = null;
      el.pause();
      setError(null);
      setFormat(null);
      setTime(0);
      setDuration(item.track.durationS ?? 0);
      setPeaks(item.track.peaks ?? null);
      listened.current = { seconds: 0, last: 0, reported: false };
      const start = pendingStart.current;
      pendingStart.current = null;
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
        stream.current = await attachStream(el, grant.masterUrl, (m) => setError(`Playback failed (${m})`), setFormat, start?.at);
        if (start) listened.current.last = start.at;
        if (!start || start.play) await el.play();
        if (!item.track.peaks) {
          get<Track>(`/api/content/${item.track.id}`)
            .then((t) => setPeaks(t.peaks ?? null))
            .catch(() => {});
        }
      } catch (e) {
        setError(errorMessage(e));
      } finally {
        setLoading(false);
      }
    },
    [applyGain],
  );

  useEffect(() => {
    if (current) void load(current);
    // Only a change of the playing entry reloads; edits elsewhere in the queue do not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.track.id, index]);

  const next = useCallback(() => setIndex((i) => (i + 1 < queue.length ? i + 1 : i)), [queue.length]);

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
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
    };
    const onDuration = () => Number.isFinite(el.duration) && setDuration(el.duration);
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    const onEnded = () => {
      setPlaying(false);
      if (index + 1 < queue.length) setIndex(index + 1);
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
  }, [current, index, queue.length]);

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
      playAt(items, start, atSeconds, play) {
        pendingStart.current = { at: Math.max(0, atSeconds), play };
        setQueue(items);
        setIndex(-1);
        queueMicrotask(() => setIndex(start));
      },
      playQueue(items, start = 0) {
        setQueue(items);
        setIndex(-1);
        // A fresh index makes the effect reload even when the same track is chosen again.
        queueMicrotask(() => setIndex(start));
      },
      enqueue(item) {
        setQueue((q) => [...q, item]);
        setIndex((i) => (i < 0 ? 0 : i));
      },
      toggle() {
        const el = audio.current;
        if (!el || !current) return;
        if (graph.current?.ctx.state === 'suspended') void graph.current.ctx.resume();
        if (el.paused) el.play().catch((e) => setError(errorMessage(e)));
        else el.pause();
      },
      seek(seconds) {
        const el = audio.current;
        if (!el) return;
        el.currentTime = Math.max(0, Math.min(seconds, duration || seconds));
        listened.current.last = el.currentTime;
      },
      next,
      previous() {
        const el = audio.current;
        if (el && el.currentTime > 3) {
          el.currentTime = 0;
          return;
        }
        setIndex((i) => (i > 0 ? i - 1 : i));
      },
      jump(i) {
        setIndex(i);
      },
      remove(i) {
        setQueue((q) => q.filter((_, j) => j !== i));
        setIndex((cur) => (i < cur ? cur - 1 : cur === i ? Math.min(cur, queue.length - 2) : cur));
      },
    }),
    [queue, index, current, playing, time, duration, peaks, error, loading, format, next, party],
  );

  return <PlayerContext.Provider value={value}>{children}</PlayerContext.Provider>;
}

export function usePlayer(): Player {
  const p = useContext(PlayerContext);
  if (!p) throw new Error('usePlayer outside PlayerProvider');
  return p;
}
