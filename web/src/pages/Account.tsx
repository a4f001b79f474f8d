import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { errorMessage, formErrors, get, post } from '../api/client';
import type { User } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { PASSWORD_HINT, loadPasswordEstimator, passwordProblem } from '../auth/passwordStrength';
import { ErrorBox, Field, Notice, useTitle } from '../components/ui';

// Only same-site paths may be a redirect target after login.
function safeNext(next: string | null, fallback: string) {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}


export function LoginPage() {
  useTitle('Log in');
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const u = await login(email, password);
      navigate(safeNext(params.get('next'), u.role === 'artist' ? '/studio' : '/'), { replace: true });
    } catch (err) {
      const f = formErrors(err, ['email', 'password']);
      setErrors(f.fields);
      setError(f.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>Log in</h1>
      <form onSubmit={submit} className="form" noValidate>
        <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} />
        <Field label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} />
        <ErrorBox message={error} />
        <button type="submit" className="btn btn--primary" disabled={busy}>
          Log in
        </button>
      </form>
      <p className="small">
        <Link to="/forgot-password">Forgot your password?</Link> · New here?{' '}
        <Link to={params.get('next') ? `/signup?next=${encodeURIComponent(params.get('next')!)}` : '/signup'}>Create an account</Link>
      </p>
    </section>
  );
}

export function SignupPage() {
  useTitle('Sign up');
  const { register } = useAuth();
  const navigate = useNavigate();
  // Where the person was going (a checkout, an artist): back there once the account exists.
  const [params] = useSearchParams();
  const next = params.get('next');
  const [role, setRole] = useState<'fan' | 'artist'>('fan');
  const [form, setForm] = useState({ username: '', email: '', password: '', artistName: '', genre: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [genres, setGenres] = useState<string[]>([]);
  useEffect(() => {
    get<{ genres: string[] }>('/api/genres').then((g) => setGenres(g.genres), () => {});
  }, []);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const problem = await passwordProblem(form.password, [form.username, form.email]);
      if (problem) {
        setErrors({ password: `Password ${problem}.` });
        return;
      }
      const body: Record<string, unknown> = { username: form.username, email: form.email, password: form.password, role };
      if (role === 'artist') {
        body.artistName = form.artistName;
        if (form.genre) body.genre = form.genre;
      }
      const u = await register(body);
      navigate(safeNext(next, u.role === 'artist' ? '/studio' : '/'), { replace: true });
    } catch (err) {
      const f = formErrors(err, role === 'artist' ? ['username', 'email', 'password', 'artistName'] : ['username', 'email', 'password']);
      setErrors(f.fields);
      setError(f.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>Create your account</h1>
      <form onSubmit={submit} className="form" noValidate>
        <fieldset className="choice">
          <legend>I am joining as</legend>
          <label>
            <input type="radio" name="role" value="fan" checked={role === 'fan'} onChange={() => setRole('fan')} /> a fan
          </label>
          <label>
            <input type="radio" name="role" value="artist" checked={role === 'artist'} onChange={() => setRole('artist')} /> an artist
          </label>
        </fieldset>
        <Field label="Username" autoComplete="username" required pattern="[a-z0-9_]{3,30}" hint="3–30 lowercase letters, digits or _" value={form.username} onChange={set('username')} error={errors.username} />
        <Field label="Email" type="email" autoComplete="email" required value={form.email} onChange={set('email')} error={errors.email} />
        <Field label="Password" type="password" autoComplete="new-password" required minLength={10} hint={PASSWORD_HINT} value={form.password} onChange={set('password')} onFocus={() => void loadPasswordEstimator().catch(() => {})} error={errors.password} />
        {role === 'artist' && (
          <>
            <Field label="Artist name" required value={form.artistName} onChange={set('artistName')} error={errors.artistName} />
            <div className="field">
              <label htmlFor="signup-genre">Genre</label>
              <select id="signup-genre" value={form.genre} onChange={set('genre')}>
                <option value="">Choose later</option>
                {genres.map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
        <ErrorBox message={error} />
        <button type="submit" className="btn btn--primary" disabled={busy}>
          Sign up
        </button>
      </form>
      <p className="small">
        Already have an account? <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>Log in</Link>
      </p>
    </section>
  );
}

export function VerifyEmailPage() {
  useTitle('Verify email');
  const [params] = useSearchParams();
  const { user, setUser } = useAuth();
  const token = params.get('token');
  const [state, setState] = useState<'idle' | 'verifying' | 'done' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    setState('verifying');
    post<User>('/api/auth/verify-email', { token }).then(
      (u) => {
        setState('done');
        if (user) setUser(u);
      },
      (e) => {
        setState('idle');
        setError(errorMessage(e));
      },
    );
  }, [token, user, setUser]);
  const resend = async () => {
    setError(null);
    try {
      await post('/api/auth/verify-email/resend');
      setState('sent');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section className="narrow">
      <h1>Verify your email</h1>
      {state === 'verifying' && <p role="status">Verifying…</p>}
      {state === 'done' && <Notice>Your email address is verified. Thank you!</Notice>}
      {state === 'sent' && <Notice>We sent a new verification link to {user?.email}.</Notice>}
      <ErrorBox message={error} />
      {state !== 'done' && user && !user.emailVerified && (
        <button type="button" className="btn" onClick={resend}>
          Send a new verification link
        </button>
      )}
      {!token && !user && <p>Open the link from the email we sent you, or log in to ask for a new one.</p>}
    </section>
  );
}

export function ForgotPasswordPage() {
  useTitle('Forgot password');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [emailError, setEmailError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setEmailError(undefined);
    try {
      await post('/api/auth/password/forgot', { email });
      setSent(true);
    } catch (err) {
      const f = formErrors(err, ['email']);
      setEmailError(f.fields.email);
      setError(f.message);
    }
  };
  return (
    <section className="narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <Notice>If an account exists for {email}, we sent it a link to choose a new password. The link works for one hour.</Notice>
      ) : (
        <form onSubmit={submit} className="form" noValidate>
          <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} error={emailError} />
          <ErrorBox message={error} />
          <button type="submit" className="btn btn--primary">
            Send reset link
          </button>
        </form>
      )}
    </section>
  );
}

export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const [params] = useSearchParams();
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError(undefined);
    const problem = await passwordProblem(password);
    if (problem) {
      setFieldError(`New password ${problem}.`);
      return;
    }
    try {
      await post('/api/auth/password/reset', { token: params.get('token') ?? '', password });
      setDone(true);
    } catch (err) {
      const f = formErrors(err, ['password'], { password: 'New password' });
      setFieldError(f.fields.password);
      setError(f.message);
    }
  };
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <Notice>
          Your password is changed and every session was signed out. <Link to="/login">Log in</Link>
        </Notice>
      ) : (
        <form onSubmit={submit} className="form" noValidate>
          <Field label="New password" type="password" autoComplete="new-password" required minLength={10} hint={PASSWORD_HINT} value={password} onChange={(e) => setPassword(e.target.value)} onFocus={() => void loadPasswordEstimator().catch(() => {})} error={fieldError} />
          <ErrorBox message={error} />
          <button type="submit" className="btn btn--primary">
            Set password
          </button>
        </form>
      )}
    </section>
  );
}
