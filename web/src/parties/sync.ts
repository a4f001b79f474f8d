// The party clock (SPEC §4.10, docs/realtime.md): the server holds {index, positionMs, playing,
// serverTime}; a client estimates its clock's offset from pings and computes the live position.
import { realtime } from '../api/realtime';
import type { PartyState } from '../api/types';

export type Offset = { offsetMs: number; rttMs: number };

/** The best of `samples` pings (shortest round trip): serverTime − the midpoint of the round trip. */
export async function measureOffset(samples = 6): Promise<Offset | null> {
  let best: Offset | null = null;
  for (let i = 0; i < samples; i++) {
    try {
      const t0 = Date.now();
      const pong = await realtime.request('ping', { t: t0 });
      const t1 = Date.now();
      const rtt = t1 - t0;
      const serverTime = Number(pong.data?.serverTime);
      if (!Number.isFinite(serverTime)) continue;
      if (!best || rtt < best.rttMs) best = { offsetMs: serverTime - (t0 + rtt / 2), rttMs: rtt };
    } catch {
      break; // not connected: keep what we have
    }
  }
  return best;
}

export type QueueEntry = { id: string; title: string; durationS: number | null };
export type Live = { index: number; positionMs: number; playing: boolean; finished: boolean };

/**
 * Where the party is now: the state's track and position, moved on by the time since `serverTime`
 * when playing; past a track's end it carries on into the next one (the server does not advance
 * on its own), and past the last one the party's music is over.
 */
export function livePosition(state: PartyState, queue: QueueEntry[], offsetMs: number, now = Date.now()): Live {
  let ms = state.playing ? state.positionMs + (now + offsetMs - state.serverTime) : state.positionMs;
  let index = state.index;
  if (state.playing) {
    while (index < queue.length) {
      const d = queue[index]?.durationS;
      if (d == null || ms < d * 1000) break;
      ms -= d * 1000;
      index++;
    }
  }
  if (index >= queue.length) {
    const last = Math.max(0, queue.length - 1);
    return { index: last, positionMs: (queue[last]?.durationS ?? 0) * 1000, playing: false, finished: true };
  }
  return { index, positionMs: Math.max(0, ms), playing: state.playing, finished: false };
}
