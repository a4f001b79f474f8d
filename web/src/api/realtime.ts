// The one connection to /ws (docs/realtime.md): signs in with the access token, renews it before it
// runs out, keeps each channel's last offset and resumes from it after any reconnect, so pages see
// every message once and in order, or are told to reload.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { currentAccessToken, refreshSession } from './client';

export type ChannelEvent = { type: string; payload: Record<string, any>; offset: string };
export type ChannelListener = {
  event(e: ChannelEvent): void;
  // Messages may have been missed (offline longer than the server keeps them): re-read the state.
  reload?(): void;
  // The subscription is live (also after every reconnect): a page may read the state once here.
  ready?(): void;
  // The server refused the subscription, or ended it (`unsubscribed`: a membership that ended, a
  // party that is over): the socket no longer listens to the channel until it subscribes again.
  refused?(r: Refusal): void;
};
export type Refusal = { code: string; message: string; details?: Record<string, unknown> };
export type Status = 'offline' | 'connecting' | 'online';

type Message = { op: string; ch?: string; id?: string | number; data?: any };
type Channel = { offset?: string; listeners: Set<ChannelListener>; live: boolean; refused?: Refusal; subId?: number };
type Pending = { resolve(m: Message): void; reject(e: Error): void; timer: number };

const MAX_BACKOFF_MS = 10_000;

class Realtime {
  private ws: WebSocket | null = null;
  private channels = new Map<string, Channel>();
  private status: Status = 'offline';
  private statusListeners = new Set<() => void>();
  private wanted = false; // signed in: keep a connection open
  private attempts = 0;
  private timer: number | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private userId: string | null = null;

  /** The signed-in user of the socket (after `auth`), for filtering one's own ephemeral events. */
  me = () => this.userId;

  getStatus = () => this.status;
  onStatus = (fn: () => void) => {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  };

  start() {
    if (this.wanted) return;
    this.wanted = true;
    this.connect();
  }

  // Signed out: close, and forget every channel's place.
  stop() {
    this.wanted = false;
    window.clearTimeout(this.timer);
    this.ws?.close(1000, 'signed out');
    this.ws = null;
    for (const c of this.channels.values()) {
      c.offset = undefined;
      c.live = false;
      c.refused = undefined;
    }
    this.setStatus('offline');
  }

  subscribe(ch: string, listener: ChannelListener): () => void {
    let c = this.channels.get(ch);
    if (!c) {
      c = { listeners: new Set(), live: false };
      this.channels.set(ch, c);
    }
    c.listeners.add(listener);
    if (c.refused) listener.refused?.(c.refused);
    else if (c.live) listener.ready?.();
    else if (c.listeners.size === 1 && this.status === 'online') this.sendSub(ch, c);
    return () => {
      const cur = this.channels.get(ch);
      if (!cur) return;
      cur.listeners.delete(listener);
      if (cur.listeners.size === 0) {
        this.channels.delete(ch);
        if (this.status === 'online') this.send({ op: 'unsub', ch, id: this.nextId++ });
      }
    };
  }

  private setStatus(s: Status) {
    if (s === this.status) return;
    this.status = s;
    for (const fn of this.statusListeners) fn();
  }

  private connect() {
    if (!this.wanted) return;
    this.setStatus('connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onmessage = (e) => {
      const parsed = JSON.parse(String(e.data));
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) void this.handle(ws, m as Message);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const c of this.channels.values()) c.live = false;
      for (const [id, p] of this.pending) {
        window.clearTimeout(p.timer);
        p.reject(new Error('disconnected'));
        this.pending.delete(id);
      }
      if (!this.wanted) return;
      this.setStatus('offline');
      // The server drained (1012) or asked for a fresh token (4002): come back at once.
      const soon = e.code === 1012 || e.code === 4002;
      const delay = soon ? 100 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts) * (0.5 + Math.random() / 2);
      this.attempts++;
      if (e.code === 4003) return; // the session has ended: the next sign-in starts again
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private send(m: Message) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private async authenticate(ws: WebSocket) {
    const token = await currentAccessToken();
    if (!token || this.ws !== ws) {
      ws.close(1000, 'no session');
      return;
    }
    this.send({ op: 'auth', id: 'auth', data: { token } });
  }

  private sendSub(ch: string, c: Channel) {
    c.refused = undefined;
    c.subId = this.nextId++;
    this.send({ op: 'sub', ch, id: c.subId, data: c.offset ? { offset: c.offset } : {} });
  }

  /** Subscribes a channel again after a refusal (e.g. after the membership was renewed). */
  retry(ch: string) {
    const c = this.channels.get(ch);
    if (c && this.status === 'online') this.sendSub(ch, c);
  }

  /** An ephemeral message on a channel this socket listens to (typing); not answered. */
  notify(op: string, ch: string, data: Record<string, unknown>) {
    const c = this.channels.get(ch);
    if (c?.live) this.send({ op, ch, data });
  }

  /** A request answered by `ok`/`pong`/`error` with the same id (a ping for the clock offset). */
  request(op: string, data: Record<string, unknown> = {}, timeoutMs = 5000): Promise<Message> {
    return new Promise((resolve, reject) => {
      if (this.ws?.readyState !== WebSocket.OPEN || this.status !== 'online') {
        reject(new Error('not connected'));
        return;
      }
      const id = this.nextId++;
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('no answer'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ op, id, data });
    });
  }

  private settle(m: Message): boolean {
    if (typeof m.id !== 'number') return false;
    const p = this.pending.get(m.id);
    if (!p) return false;
    this.pending.delete(m.id);
    window.clearTimeout(p.timer);
    if (m.op === 'error') p.reject(new Error(m.data?.message ?? 'refused'));
    else p.resolve(m);
    return true;
  }

  private refuse(ch: string, r: Refusal) {
    const c = this.channels.get(ch);
    if (!c) return;
    c.live = false;
    c.refused = r;
    for (const l of c.listeners) l.refused?.(r);
  }

  private async handle(ws: WebSocket, m: Message) {
    if (this.ws !== ws) return;
    if ((m.op === 'pong' || m.op === 'ok' || m.op === 'error') && this.settle(m)) return;
    switch (m.op) {
      case 'hello':
        await this.authenticate(ws);
        return;
      case 'auth.expiring': {
        // Renew in band before the token runs out; the socket stays open.
        if (await refreshSession()) await this.authenticate(ws);
        return;
      }
      case 'reconnect':
        return; // the close that follows reconnects at once
      case 'ok':
        if (m.data?.op === 'auth') {
          this.userId = m.data.userId ?? null;
          const first = this.status !== 'online';
          this.attempts = 0;
          this.setStatus('online');
          if (first) for (const [ch, c] of this.channels) this.sendSub(ch, c);
        } else if (m.data?.op === 'sub' && m.ch) {
          const c = this.channels.get(m.ch);
          if (!c) return;
          c.offset = m.data.offset;
          c.live = true;
          for (const l of c.listeners) l.ready?.();
        }
        return;
      case 'reload': {
        const c = m.ch ? this.channels.get(m.ch) : undefined;
        if (!c) return;
        c.offset = m.data?.offset;
        for (const l of c.listeners) l.reload?.();
        return;
      }
      case 'event': {
        const c = m.ch ? this.channels.get(m.ch) : undefined;
        if (!c) return;
        // Ephemeral messages (typing, presence) have no id: they do not move the offset.
        const offset = m.id === undefined || m.id === null ? '' : String(m.id);
        if (offset) c.offset = offset;
        const e: ChannelEvent = { type: m.data?.type, payload: m.data?.payload ?? {}, offset };
        for (const l of c.listeners) l.event(e);
        return;
      }
      case 'unsubscribed':
        if (m.ch) this.refuse(m.ch, { code: m.data?.code ?? 'forbidden', message: m.data?.message ?? '', details: m.data?.details });
        return;
      case 'error': {
        if (m.id === 'auth') {
          ws.close(1000, 'authentication refused');
          return;
        }
        // A refused `sub`: find the channel by the request id.
        for (const [ch, c] of this.channels) {
          if (c.subId !== undefined && c.subId === m.id) {
            this.refuse(ch, { code: m.data?.code ?? 'forbidden', message: m.data?.message ?? '', details: m.data?.details });
            return;
          }
        }
        return;
      }
    }
  }
}

export const realtime = new Realtime();

// Messages of one channel while the component is mounted (null: none).
export function useChannel(ch: string | null, listener: ChannelListener) {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    if (!ch) return;
    return realtime.subscribe(ch, {
      event: (e) => ref.current.event(e),
      reload: () => ref.current.reload?.(),
      ready: () => ref.current.ready?.(),
      refused: (r) => ref.current.refused?.(r),
    });
  }, [ch]);
}

export function useRealtimeStatus(): Status {
  return useSyncExternalStore(realtime.onStatus, realtime.getStatus);
}
