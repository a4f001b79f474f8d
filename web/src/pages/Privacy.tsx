// Privacy controls in the settings (docs/privacy.md): download my data, email consent, delete my
// account (password and an explicit confirmation).
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, explain, get, post, put } from '../api/client';
import { counted, formatDate } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Loading, Notice, useAsync, useTitle } from '../components/ui';

type DataExport = {
  id: string;
  status: 'pending' | 'ready' | 'failed' | 'expired';
  createdAt: string;
  finishedAt: string | null;
  expiresAt: string | null;
  sizeBytes: number | null;
  download: { url: string; expiresAt: string; filename: string } | null;
  error?: string;
};

type Consents = {
  marketingEmail: { granted: boolean; source: string | null; updatedAt: string | null };
};

function size(bytes: number | null) {
  if (bytes == null) return '';
  if (bytes < 1024) return counted(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function PrivacySettings() {
  return (
    <>
      <ExportData />
      <EmailConsent />
      <DeleteAccount />
    </>
  );
}

function ExportData() {
  const list = useAsync((s) => get<{ exports: DataExport[] }>('/api/me/exports', s), []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { reload, data } = list;
  const pending = data?.exports.some((e) => e.status === 'pending');
  // While an archive is being built, look again every two seconds.
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(reload, 2000);
    return () => clearTimeout(t);
  }, [pending, data, reload]);
  const request = async () => {
    setError(null);
    setBusy(true);
    try {
      await post<DataExport>('/api/me/exports');
      list.reload();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  };
  const latest = list.data?.exports[0];
  return (
    <section aria-labelledby="export-h" className="card">
      <h2 id="export-h">Download your data</h2>
      <p>One zip archive with everything MusicConnect holds on you: profile, sign-ins, follows, likes, comments, memberships and payments, messages, notifications and upload details. It is kept for 7 days.</p>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error ?? error} />}
      {latest && (
        <div aria-live="polite">
          {latest.status === 'pending' && <p role="status">Preparing your archive… (requested {formatDate(latest.createdAt)})</p>}
          {latest.status === 'ready' && latest.download && (
            <p>
              Your archive from {formatDate(latest.finishedAt ?? latest.createdAt)} is ready ({size(latest.sizeBytes)}).{' '}
              <a className="btn btn--small" href={latest.download.url} download={latest.download.filename}>
                Download archive
              </a>
            </p>
          )}
          {latest.status === 'failed' && <p className="error">The last archive could not be built. Request a new one.</p>}
          {latest.status === 'expired' && <p className="muted">Your last archive expired. Request a new one.</p>}
        </div>
      )}
      <button type="button" className="btn" onClick={request} disabled={busy || pending}>
        {pending ? 'Archive in preparation' : 'Request my data'}
      </button>
    </section>
  );
}

function EmailConsent() {
  const consent = useAsync((s) => get<Consents>('/api/me/consents', s), []);
  const [granted, setGranted] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const current = granted ?? consent.data?.marketingEmail.granted ?? false;
  const change = async (next: boolean) => {
    setError(null);
    setSaved(null);
    setGranted(next);
    try {
      const r = await put<Consents>('/api/me/consents', { marketingEmail: next });
      setGranted(r.marketingEmail.granted);
      setSaved(r.marketingEmail.granted ? 'You will receive news by email. You can change this at any time.' : 'You will not receive news by email.');
    } catch (e) {
      setGranted(!next);
      setError(explain(e, { marketingEmail: 'News by email' }));
    }
  };
  const updated = consent.data?.marketingEmail.updatedAt;
  return (
    <section aria-labelledby="consent-h" className="card">
      <h2 id="consent-h">Email from MusicConnect</h2>
      {consent.loading && !consent.data ? (
        <Loading />
      ) : (
        <>
          <label className="check">
            <input type="checkbox" checked={current} onChange={(e) => void change(e.target.checked)} /> Send me news and offers from MusicConnect by email
          </label>
          <p className="small muted">
            Notification emails you chose above are not affected.
            {updated && !saved ? ` Last changed ${formatDate(updated)}.` : ''}
          </p>
        </>
      )}
      <ErrorBox message={consent.error ?? error} />
      {saved && <Notice>{saved}</Notice>}
    </section>
  );
}

function DeleteAccount() {
  const { forget } = useAuth();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const problems: typeof errors = {};
    if (!password) problems.password = 'Password is needed: type the one you sign in with.';
    if (!confirmed) problems.confirm = 'Tick “I understand that my account is deleted for good” to confirm that you want it deleted.';
    setErrors(problems);
    if (problems.password || problems.confirm) return;
    setBusy(true);
    try {
      await api('DELETE', '/api/me', { body: { password } });
      // Leave the settings first: without a user they would send the browser to the login page.
      navigate('/goodbye', { replace: true });
      await forget();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_password') {
        setErrors({ password: 'Password is not your current password: type the one you sign in with.' });
      } else if (err instanceof ApiError && err.code === 'memberships_active') {
        setError('You still have memberships that renew. Cancel them on the artists’ pages (you keep access until the period ends), then delete your account.');
      } else if (err instanceof ApiError && err.code === 'artist_has_subscribers') {
        setError('Fans’ memberships of your artist page still renew. Contact support to end them, then delete your account.');
      } else {
        setError(explain(err, { password: 'Password' }));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="delete-h" className="card card--danger">
      <h2 id="delete-h">Delete your account</h2>
      <p>
        This cannot be undone. Your profile, sign-ins, follows, likes, notifications and uploads are removed; artists lose their page, releases and audio. Your comments and the messages others received stay, shown as “deleted user”. Payment records are kept without your personal details, as the law requires.
      </p>
      <form onSubmit={submit} className="form" noValidate>
        <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} aria-invalid={errors.confirm ? true : undefined} aria-describedby={errors.confirm ? 'delete-confirm-error' : undefined} /> I understand that my account is deleted for good
          </label>
          {errors.confirm && (
            <small id="delete-confirm-error" className="field__error">
              {errors.confirm}
            </small>
          )}
        </div>
        <ErrorBox message={error} />
        <button type="submit" className="btn btn--danger" disabled={busy}>
          Delete my account
        </button>
      </form>
    </section>
  );
}

export function GoodbyePage() {
  useTitle('Account deleted');
  return (
    <section className="narrow">
      <h1>Your account is deleted</h1>
      <Notice>Your account and personal data are gone. Thank you for listening with us.</Notice>
    </section>
  );
}
