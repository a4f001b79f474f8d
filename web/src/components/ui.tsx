import { useCallback, useEffect, useId, useState, type DependencyList, type InputHTMLAttributes, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Icon } from './Icon';
import { ApiError, errorMessage } from '../api/client';
import { TIER_LABEL, type ArtistProfile, type Lock, type TierName, counted, formatDate } from '../api/types';

// Loads data for a page; reload() after a write.
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList) {
  // notFound: the thing asked for does not exist (404), or its address cannot name one (400 on a read).
  const [state, setState] = useState<{ data?: T; error?: string; notFound?: boolean; loading: boolean }>({ loading: true });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (e) =>
        !ctl.signal.aborted &&
        setState({ error: errorMessage(e), notFound: e instanceof ApiError && (e.status === 404 || e.status === 400), loading: false }),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

// A placeholder in the shape of what is coming, announced as loading to screen readers; it takes
// the room the content will, so little moves when it arrives. A page is a heading and a few lines;
// media (a picture) fills its box; a control (an audio player) is one bar of a player's size.
export function Loading({ label = 'Loading', shape = 'page' }: { label?: string; shape?: 'page' | 'media' | 'control' }) {
  return (
    <div className={`skeleton skeleton--${shape}`} role="status" aria-live="polite" aria-busy="true" data-testid="loading">
      <span className="visually-hidden">{label}…</span>
      {shape === 'page' ? (
        <>
          <div className="skeleton__block skeleton__block--title" aria-hidden="true" />
          <div className="skeleton__block" aria-hidden="true" />
          <div className="skeleton__block" aria-hidden="true" />
          <div className="skeleton__block skeleton__block--short" aria-hidden="true" />
        </>
      ) : (
        <div className={`skeleton__block skeleton__block--${shape}`} aria-hidden="true" />
      )}
    </div>
  );
}

export function ErrorBox({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: string };
export function Field({ label, error, hint, id, ...input }: FieldProps) {
  const auto = useId();
  const fid = id ?? auto;
  const describedBy = [error ? `${fid}-error` : null, hint ? `${fid}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={fid}>{label}</label>
      <input id={fid} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <small id={`${fid}-hint`} className="muted">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${fid}-error`} className="field__error">
          {error}
        </small>
      )}
    </div>
  );
}

export function LockBadge({ lock }: { lock: Lock }) {
  if (!lock) return null;
  if (lock.requiredTier) {
    return (
      <span className="lock" data-testid="lock-teaser">
        <Icon name="lock" size={14} /> Support as {TIER_LABEL[lock.requiredTier as TierName] ?? lock.requiredTier} to unlock
      </span>
    );
  }
  return (
    <span className="lock" data-testid="lock-teaser">
      <Icon name="clock" size={14} /> Available {formatDate(lock.availableAt)}
    </span>
  );
}

export function TierBadge({ tier }: { tier: TierName }) {
  return <span className={`tier-badge tier-badge--${tier}`}>{TIER_LABEL[tier]}</span>;
}

export function ArtistCard({ artist }: { artist: ArtistProfile }) {
  return (
    <li className="card artist-card">
      <Avatar artist={artist} size="small" />
      <div>
        <Link to={`/artist/${artist.slug}`} className="card__title">
          {artist.stageName}
        </Link>
        <p className="muted small">
          {artist.genres.join(', ') || 'No genre yet'} · {counted(artist.followerCount, 'follower')}
        </p>
      </div>
    </li>
  );
}

export function Pager({ page, limit, total, onPage }: { page: number; limit: number; total: number; onPage(p: number): void }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="btn btn--ghost" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="btn btn--ghost" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · MusicConnect` : 'MusicConnect';
  }, [title]);
}

// srcset from the API's {width: url} map.
export function srcSet(urls: Record<string, string>): string {
  return Object.entries(urls)
    .map(([w, u]) => `${u} ${w}w`)
    .join(', ');
}

// The artist's picture, or their initial on a gradient when they have none.
export function Avatar({ artist, size }: { artist: Pick<ArtistProfile, 'stageName' | 'avatar'>; size: 'small' | 'large' }) {
  const px = size === 'large' ? 96 : 48;
  if (artist.avatar && Object.keys(artist.avatar).length) {
    const urls = artist.avatar;
    const fallback = urls['128'] ?? Object.values(urls)[0];
    return <img className={`avatar avatar--${size}`} src={fallback} srcSet={srcSet(urls)} sizes={`${px}px`} width={px} height={px} alt="" />;
  }
  return (
    <div className={`avatar avatar--${size}`} aria-hidden="true">
      {artist.stageName.slice(0, 1).toUpperCase()}
    </div>
  );
}
