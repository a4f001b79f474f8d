// What the player keeps across reloads (localStorage): the listener's settings, and now playing
// (queue, play order, position) for the user who was listening.
import type { QueueItem } from './PlayerContext';

export type Repeat = 'off' | 'all' | 'one';
export type Settings = { volume: number; muted: boolean; shuffle: boolean; repeat: Repeat };
export type SavedSession = { queue: QueueItem[]; order: number[]; index: number; time: number };

const SETTINGS_KEY = 'mc.player.settings';
const SESSION_KEY = 'mc.player.session';
// A queue is a few hundred tracks at most in practice; beyond this nothing is saved.
const MAX_SAVED = 500;

function read(key: string): unknown {
  try {
    const text = localStorage.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the player works without it */
  }
}

export function loadSettings(): Settings {
  const s = read(SETTINGS_KEY) as Partial<Settings> | null;
  const volume = typeof s?.volume === 'number' && s.volume >= 0 && s.volume <= 1 ? s.volume : 1;
  const repeat = s?.repeat === 'all' || s?.repeat === 'one' ? s.repeat : 'off';
  return { volume, muted: s?.muted === true, shuffle: s?.shuffle === true, repeat };
}

export function saveSettings(s: Settings) {
  write(SETTINGS_KEY, s);
}

// The minimum of a track that the player needs to show and load it again.
function slim(item: QueueItem): QueueItem {
  const t = item.track;
  return {
    artistName: item.artistName,
    artistSlug: item.artistSlug,
    track: {
      id: t.id,
      releaseId: t.releaseId,
      artistId: t.artistId,
      title: t.title,
      position: t.position,
      artwork: t.artwork ?? null,
      locked: t.locked,
      durationS: t.durationS ?? null,
      gainDb: t.gainDb ?? null,
    },
  };
}

export function saveSession(userId: string | null, s: SavedSession) {
  if (s.index < 0 || s.index >= s.queue.length || s.queue.length > MAX_SAVED) {
    write(SESSION_KEY, null);
    return;
  }
  write(SESSION_KEY, { userId, queue: s.queue.map(slim), order: s.order, index: s.index, time: Math.max(0, s.time) });
}

/** The saved session, when it was this user's (signed out counts as a user) and still makes sense. */
export function loadSaved(userId: string | null): SavedSession | null {
  const s = read(SESSION_KEY) as (SavedSession & { userId: string | null }) | null;
  if (!s || s.userId !== userId || !Array.isArray(s.queue) || !Array.isArray(s.order)) return null;
  const n = s.queue.length;
  if (!Number.isInteger(s.index) || s.index < 0 || s.index >= n) return null;
  if (!s.queue.every((q) => q && q.track && typeof q.track.id === 'string' && typeof q.track.title === 'string')) return null;
  const order = s.order.length === n && new Set(s.order).size === n && s.order.every((i) => Number.isInteger(i) && i >= 0 && i < n)
    ? s.order
    : Array.from({ length: n }, (_, i) => i);
  return { queue: s.queue, order, index: s.index, time: typeof s.time === 'number' && s.time >= 0 ? s.time : 0 };
}
