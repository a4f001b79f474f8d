import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { del, errorMessage, formErrors, get, post } from '../api/client';
import { formatDate, type Session, type User } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { PASSWORD_HINT, loadPasswordEstimator, passwordProblem } from '../auth/passwordStrength';
import { ErrorBox, Field, Loading, Notice, useAsync, useTitle } from '../components/ui';
import { NotificationPreferences } from './Notifications';
import { PrivacySettings } from './Privacy';

export function SettingsPage() {
  useTitle('Account settings');
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  if (!user) return <Navigate to="/login?next=/settings" replace />;
  return (
    <>
      <h1>Account settings</h1>
      <section aria-labelledby="acct-h" className="card">
        <h2 id="acct-h">Your account</h2>
        <dl className="facts">
          <dt>Username</dt>
          <dd>@{user.username}</dd>
          <dt>Email</dt>
          <dd>
            {user.email} {user.emailVerified ? <span className="ok">verified</span> : <Link to="/verify-email">not verified — verify</Link>}
          </dd>
          <dt>Account type</dt>
          <dd>{user.role}</dd>
          {user.artistName && (
            <>
              <dt>Artist page</dt>
              <dd>
                <Link to={`/artist/${user.artistSlug}`}>{user.artistName}</Link>
              </dd>
            </>
          )}
        </dl>
        <button
          type="button"
          className="btn"
          onClick={async () => {
            await logout();
            navigate('/', { replace: true });
          }}
        >
          Log out
        </button>
      </section>
      <NotificationPreferences />
      <ChangeEmail />
      <ChangePassword />
      <Sessions />
      <PrivacySettings />
    </>
  );
}

function ChangeEmail() {
  const { setUser } = useAuth();
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    setError(null);
    setErrors({});
    try {
      setUser(await post<User>('/api/auth/email/change', { newEmail, password }));
      setMsg(`We sent a verification link to ${newEmail}.`);
      setPassword('');
    } catch (err) {
      const f = formErrors(err, ['newEmail', 'password'], { password: 'Current password' });
      setErrors(f.fields);
      setError(f.message);
    }
  };
  return (
    <section aria-labelledby="email-h" className="card">
      <h2 id="email-h">Change email</h2>
      <form onSubmit={submit} className="form" noValidate>
        <Field label="New email" type="email" autoComplete="email" required value={newEmail} onChange={(e) => setNewEmail(e.target.value)} error={errors.newEmail} />
        <Field label="Current password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} />
        <ErrorBox message={error} />
        {msg && <Notice>{msg}</Notice>}
        <button type="submit" className="btn">
          Change email
        </button>
      </form>
    </section>
  );
}

function ChangePassword() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [msg, setMsg] = useState<string | null>(null);
  const { user } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMsg(null);
    setError(null);
    setErrors({});
    if (!currentPassword) {
      setErrors({ currentPassword: 'Current password is required.' });
      return;
    }
    // The sign-up rule, the username and email included, as the server applies it.
    const problem = await passwordProblem(newPassword, [user?.username ?? '', user?.email ?? '']);
    if (problem) {
      setErrors({ newPassword: `New password ${problem}.` });
      return;
    }
    try {
      await post('/api/auth/password/change', { currentPassword, newPassword });
      setMsg('Password changed. Your other sessions were signed out.');
      setCurrent('');
      setNew('');
    } catch (err) {
      const f = formErrors(err, ['currentPassword', 'newPassword']);
      setErrors(f.fields);
      setError(f.message);
    }
  };
  return (
    <section aria-labelledby="pw-h" className="card">
      <h2 id="pw-h">Change password</h2>
      <form onSubmit={submit} className="form" noValidate>
        <Field label="Current password" type="password" autoComplete="current-password" required value={currentPassword} onChange={(e) => setCurrent(e.target.value)} error={errors.currentPassword} />
        <Field label="New password" type="password" autoComplete="new-password" required minLength={10} hint={PASSWORD_HINT} value={newPassword} onChange={(e) => setNew(e.target.value)} onFocus={() => void loadPasswordEstimator().catch(() => {})} error={errors.newPassword} />
        <ErrorBox message={error} />
        {msg && <Notice>{msg}</Notice>}
        <button type="submit" className="btn">
          Change password
        </button>
      </form>
    </section>
  );
}

function Sessions() {
  const list = useAsync((s) => get<{ sessions: Session[] }>('/api/auth/sessions', s), []);
  const [error, setError] = useState<string | null>(null);
  const revoke = async (id: string) => {
    setError(null);
    try {
      await del(`/api/auth/sessions/${id}`);
      list.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="sessions-h" className="card">
      <h2 id="sessions-h">Sessions</h2>
      {list.loading && !list.data ? <Loading /> : <ErrorBox message={list.error ?? error} />}
      {list.data && (
        <ul className="sessions">
          {list.data.sessions.map((s) => (
            <li key={s.id} className="session">
              <div>
                <strong>{s.userAgent ?? 'Unknown device'}</strong>
                {s.current && <span className="ok"> (this device)</span>}
                <p className="muted small">
                  {s.ip ?? ''} · signed in {formatDate(s.createdAt)} · last used {formatDate(s.lastUsedAt)}
                </p>
              </div>
              {!s.current && (
                <button type="button" className="btn btn--ghost" onClick={() => revoke(s.id)}>
                  Sign out<span className="visually-hidden"> session from {formatDate(s.createdAt)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
