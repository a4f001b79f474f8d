// The one way the app talks to the API: bearer token, refresh on expiry, read-your-writes token,
// and the SPEC §5 error envelope turned into ApiError.
import { tokenStore } from './tokenStore';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  field(name: string): string | undefined {
    const v = this.details[name];
    return typeof v === 'string' ? v : undefined;
  }
}

type Tokens = { token: string; refreshToken: string };
// How long reads carry the consistency token of the caller's last write.
const CONSISTENCY_WINDOW_MS = 15_000;

let accessToken: string | null = null;
let refreshInFlight: Promise<boolean> | null = null;
let consistency: { token: string; at: number } | null = null;

// Resolves once the refresh token is stored where every tab reads it.
export async function setTokens(t: Tokens | null): Promise<void> {
  accessToken = t?.token ?? null;
  await tokenStore.write(t?.refreshToken ?? null);
}
export const hasRefreshToken = () => tokenStore.mayHaveSession();

// Refresh tokens rotate and a reused one revokes the whole session, so tabs must never refresh
// with the same token: refreshes are serialised across tabs (Web Locks), and each one reads the
// newest token (tokenStore) once it holds the lock, and stores the next before letting go.
async function rotate(): Promise<boolean> {
  const refreshToken = await tokenStore.read();
  if (!refreshToken) return false;
  try {
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    if (!res.ok) {
      await setTokens(null);
      return false;
    }
    await setTokens((await res.json()) as Tokens);
    return true;
  } catch {
    return false;
  }
}

export async function refreshSession(): Promise<boolean> {
  if (!hasRefreshToken()) return false;
  refreshInFlight ??= (async () => {
    try {
      if (navigator.locks) return await navigator.locks.request('mc.refresh', rotate);
      return await rotate();
    } finally {
      refreshInFlight = null;
    }
  })();
  return refreshInFlight;
}

export type RequestOptions = {
  body?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

// Seconds left on the access token (from its `exp` claim); 0 when there is none.
function secondsLeft(): number {
  if (!accessToken) return 0;
  try {
    const payload = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.exp - Date.now() / 1000;
  } catch {
    return 0;
  }
}

// Refreshes ahead of expiry, so ordinary requests never meet a 401 for a stale token.
async function freshToken() {
  if (accessToken && secondsLeft() < 30) await refreshSession();
}

// The access token for the real-time socket's in-band sign-in (fresh, or null when signed out).
export async function currentAccessToken(): Promise<string | null> {
  await freshToken();
  return accessToken;
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  await freshToken();
  const headers: Record<string, string> = { ...opts.headers };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (method === 'GET' && consistency && Date.now() - consistency.at < CONSISTENCY_WINDOW_MS) {
    headers['X-Consistency-Token'] = consistency.token;
  }
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  return fetch(path, { method, headers, body, signal: opts.signal });
}

export async function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, opts);
  if (res.status === 401 && hasRefreshToken()) {
    const err = await res.clone().json().catch(() => null);
    const code = err?.error?.code;
    if ((code === 'invalid_token' || code === 'unauthorized') && (await refreshSession())) {
      res = await send(method, path, opts);
    }
  }
  const token = res.headers.get('X-Consistency-Token');
  if (token) consistency = { token, at: Date.now() };
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not our JSON: a proxy's or gateway's page in front of the server.
    if (res.ok) throw new ApiError(res.status, 'bad_response', 'The server sent an answer the app cannot read. Reload the page and try again.');
  }
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? statusText(res.status), e.details ?? {});
  }
  return data as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, { signal });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body: body ?? {} });
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, { body });
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, { body });
export const del = <T>(path: string) => api<T>('DELETE', path);

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// A request with upload progress events (fetch has none for request bodies).
async function xhr<T>(
  method: string,
  path: string,
  body: XMLHttpRequestBodyInit,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
): Promise<T> {
  await freshToken();
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, path);
    if (accessToken) req.setRequestHeader('Authorization', `Bearer ${accessToken}`);
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v);
    req.upload.onprogress = (e) => onProgress(e.loaded);
    req.onload = () => {
      const token = req.getResponseHeader('X-Consistency-Token');
      if (token) consistency = { token, at: Date.now() };
      let data: any = undefined;
      try {
        data = req.responseText ? JSON.parse(req.responseText) : undefined;
      } catch {
        /* not JSON */
      }
      if (req.status >= 200 && req.status < 300) resolve(data as T);
      else {
        const e = data?.error ?? {};
        reject(new ApiError(req.status, e.code ?? 'http_error', e.message ?? req.statusText, e.details ?? {}));
      }
    };
    req.onerror = () => reject(new ApiError(0, 'network_error', 'The upload could not reach the server'));
    req.send(body);
  });
}

// One multipart upload (small files), progress as a fraction of the bytes sent.
export function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  let total = 0;
  for (const [, v] of form.entries()) total += typeof v === 'string' ? v.length : v.size;
  return xhr<T>('POST', path, form, {}, (loaded) => onProgress(Math.min(1, loaded / Math.max(1, total))));
}

// A file as the raw body of a PUT (images), with progress.
export function putFile<T>(path: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  return xhr<T>('PUT', path, file, { 'Content-Type': file.type || 'application/octet-stream' }, (loaded) =>
    onProgress(Math.min(1, loaded / Math.max(1, file.size))),
  );
}

// Files above this go through the resumable protocol, in chunks of this size: a dropped connection
// costs one chunk, not the whole file.
export const CHUNK_BYTES = 8 << 20;
const RETRIES = 5;

// Resumable upload of `file` as the audio of an existing track (docs/api: POST /api/uploads, then
// PUT /api/uploads/{id} with Content-Range; the last chunk answers 202 with the track).
export async function uploadResumable<T>(trackId: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  const session = await post<{ id: string; offset: number; size: number }>('/api/uploads', {
    trackId,
    size: file.size,
    filename: file.name.slice(0, 255),
  });
  let offset = session.offset;
  let failures = 0;
  for (;;) {
    const end = Math.min(offset + CHUNK_BYTES, file.size);
    try {
      const r = await xhr<{ offset?: number; track?: unknown }>(
        'PUT',
        `/api/uploads/${session.id}`,
        file.slice(offset, end),
        { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${offset}-${end - 1}/${file.size}` },
        (loaded) => onProgress(Math.min(1, (offset + loaded) / file.size)),
      );
      failures = 0;
      if (r?.track) return r as T;
      offset = r?.offset ?? end;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'offset_mismatch' && typeof e.details.offset === 'number') {
        offset = e.details.offset; // the server has more (or less) than we thought: go on from there
        continue;
      }
      if (!(e instanceof ApiError) || e.status !== 0 || ++failures > RETRIES) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** failures));
      offset = (await get<{ offset: number }>(`/api/uploads/${session.id}`)).offset;
    }
  }
}

// For endpoints that arrive with later features (discovery, payments): a 404 for the route itself
// means "not offered by this server yet", and the page leaves that section out.
export async function ifOffered<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.message === 'No such route') return null;
    throw e;
  }
}

// For answers without our error envelope (a proxy in front of the server, a server going away).
function statusText(status: number): string {
  if (status === 502 || status === 503 || status === 504) return 'The server is not answering right now. Try again in a minute.';
  if (status >= 500) return 'Something went wrong on the server. Try again in a minute.';
  if (status === 404) return 'This was not found.';
  if (status === 401) return 'Log in to do this.';
  if (status === 403) return 'You are not allowed to do this.';
  return 'The request was refused. Reload the page and try again.';
}

/** Words for a request that never got an answer: offline, or the server out of reach. */
export function unreachable(): string {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return 'You are offline. Check your connection and try again.';
  return 'The server could not be reached. Check your connection and try again.';
}

// fetch() rejects with a TypeError ("Failed to fetch", "NetworkError when attempting to fetch
// resource", "Load failed") when no answer came; those words mean nothing to people.
function isNetworkFailure(e: unknown): boolean {
  return e instanceof TypeError && /fetch|network|load failed/i.test(e.message);
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.status === 0 ? unreachable() : explain(e);
  if (isNetworkFailure(e)) return unreachable();
  if (e instanceof SyntaxError) return 'The server sent an answer the app cannot read. Reload the page and try again.';
  if (e instanceof Error) return e.message;
  return 'Something went wrong';
}

// How the API's field names read in a sentence where a form has not named them itself.
const FIELD_WORDS: Record<string, string> = {
  minTier: 'Minimum tier',
  priceCents: 'Price',
  monthlyPriceCents: 'Monthly price',
  releaseAt: 'Release date',
  scheduledAt: 'Start time',
  trackIds: 'Track list',
  positionMs: 'Position',
  q: 'Search text',
  body: 'Text',
  newEmail: 'New email',
};

/** A field's name as people read it: the form's label, else the API's name in words. */
export function fieldLabel(key: string, labels: Record<string, string> = {}): string {
  const top = key.split('.')[0];
  const named = labels[key] ?? labels[top] ?? FIELD_WORDS[key] ?? FIELD_WORDS[top];
  if (named) return named;
  const words = key.replace(/[._-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'A field';
}

function fieldSentence(key: string, reason: string, labels: Record<string, string>): string {
  const text = `${fieldLabel(key, labels)} ${reason}`;
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/**
 * The API's per-field `details` as sentences that name each field ("Password must be at least 10
 * characters."), by field, for showing under the inputs. Empty for errors that are not about fields.
 */
export function fieldErrors(e: unknown, labels: Record<string, string> = {}): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  if (!['validation_failed', 'invalid_query', 'invalid_message', 'invalid_credentials'].includes(e.code)) return {};
  return Object.fromEntries(
    Object.entries(e.details)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => [k, fieldSentence(k, v as string, labels)]),
  );
}

/**
 * An error for a form: sentences for the fields it shows (under each input), and the rest in words
 * for the box above the button (null when every problem sits under a field).
 */
export function formErrors(e: unknown, shown: string[], labels: Record<string, string> = {}): { fields: Record<string, string>; message: string | null } {
  const all = fieldErrors(e, labels);
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const [k, v] of Object.entries(all)) {
    if (shown.includes(k)) fields[k] = v;
    else rest.push(v);
  }
  if (Object.keys(all).length === 0) return { fields, message: errorMessage(e) };
  return { fields, message: rest.length ? rest.join(' ') : null };
}

const TIER_WORD: Record<string, string> = { free: 'Free', supporter: 'Supporter', superfan: 'Superfan' };

// An error in words for the person using the app: which field and what to do, never a bare code.
// `labels` names fields as the form shows them (`{ body: 'Message' }`).
export function explain(e: unknown, labels: Record<string, string> = {}): string {
  if (!(e instanceof ApiError)) {
    if (e instanceof TypeError) return unreachable();
    return errorMessage(e);
  }
  const d = e.details;
  switch (e.code) {
    case 'unauthorized':
    case 'invalid_token':
    case 'session_revoked':
      return 'Your session has ended. Log in again to continue.';
    case 'validation_failed':
    case 'invalid_query':
    case 'invalid_message': {
      const parts = Object.values(fieldErrors(e, labels));
      return parts.length ? parts.join(' ') : e.message;
    }
    case 'invalid_credentials':
      if (typeof d.currentPassword === 'string') return fieldSentence('currentPassword', d.currentPassword, labels);
      if (typeof d.password === 'string') return fieldSentence('password', d.password, labels);
      return 'The email or password is not right. Check both and try again.';
    case 'account_suspended':
      return 'This account is suspended. Contact support to have it restored.';
    case 'message_quota_exhausted':
      return `You have sent this month's ${typeof d.limit === 'number' ? d.limit : 5} messages to this artist. You can write again from the 1st of next month (UTC); the artist can still reply to you.`;
    case 'tier_required': {
      const tier = TIER_WORD[String(d.tier ?? '')] ?? 'a higher';
      return `This needs a ${tier} membership of the artist. Subscribe as ${tier} on the artist's page, then try again.`;
    }
    case 'blocked':
      return 'This person does not accept messages from you.';
    case 'blocked_by_you':
      return 'You blocked this person. Unblock them to write again.';
    case 'party_full':
      return 'This listening party is full. Try again when a listener leaves.';
    case 'party_ended':
      return 'This listening party has ended.';
    case 'rate_limited':
      return e.message && e.message !== 'Too Many Requests' ? e.message : 'That was a lot at once. Wait a few seconds and try again.';
    case 'network_error':
      return unreachable();
    default:
      return e.message;
  }
}
