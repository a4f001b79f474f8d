import { useRef, useState, type FormEvent } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { del, errorMessage, formErrors, get, post, put, qs } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Field, Loading, Notice, Pager, useAsync, useTitle } from '../components/ui';
import { counted, formatDate } from '../api/types';
import { useFlags } from '../api/flags';
import { REPORT_REASONS } from '../moderation/ReportButton';

// The admin console (docs/admin.md): the moderation queue, accounts, feature flags, the audit log
// and platform numbers. A lazy chunk: only admins ever load it.

type QueueItem = {
  targetType: 'track' | 'post' | 'comment' | 'message' | 'user';
  targetId: string;
  reportCount: number;
  firstReportedAt: string;
  lastReportedAt: string;
  reasons: Record<string, number>;
  reports: { id: string; reporterId: string; reporterUsername: string; reason: string; note: string | null; createdAt: string }[];
  exists: boolean;
  hidden: boolean;
  suspended: boolean;
  preview: string | null;
  ownerId: string | null;
  ownerUsername: string | null;
  contextId: string | null;
};
type AdminUser = { id: string; username: string; email: string; role: string; suspended: boolean; openReports: number; createdAt: string };
type Flag = { key: string; description: string; enabled: boolean; rolloutPercent: number; userIds: string[]; createdAt: string; updatedAt: string };
type AuditEntry = {
  id: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAt: string;
};
type Stats = {
  users: { total: number; fans: number; artists: number; admins: number; suspended: number; newLast7Days: number };
  activeSubscriptions: number;
  content: { publishedReleases: number; tracks: number; posts: number; comments: number };
  revenue: { currency: string; grossCents: number; refundedCents: number; platformFeeCents: number; grossLast30DaysCents: number }[];
  reports: { open: number; openTargets: number; decidedLast7Days: number };
  hidden: { tracks: number; posts: number; comments: number; messages: number };
};

const REASON_LABEL = Object.fromEntries(REPORT_REASONS);
const TYPE_LABEL: Record<string, string> = { track: 'Track', post: 'Post', comment: 'Comment', message: 'Message', user: 'Account' };
const money = (cents: number, currency: string) => new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);

export default function AdminPage() {
  const { user } = useAuth();
  useTitle('Admin');
  if (!user) return <Navigate to="/login?next=/admin" replace />;
  if (user.role !== 'admin') {
    return (
      <section className="narrow">
        <h1>Admin</h1>
        <p>The admin console is for admin accounts.</p>
      </section>
    );
  }
  return (
    <div className="admin">
      <h1>Admin</h1>
      <nav className="subnav" aria-label="Admin">
        <NavLink to="/admin" end>
          Moderation queue
        </NavLink>
        <NavLink to="/admin/users">Users</NavLink>
        <NavLink to="/admin/flags">Feature flags</NavLink>
        <NavLink to="/admin/audit">Audit log</NavLink>
        <NavLink to="/admin/stats">Stats</NavLink>
      </nav>
      <Routes>
        <Route index element={<QueuePanel />} />
        <Route path="users" element={<UsersPanel />} />
        <Route path="flags" element={<FlagsPanel />} />
        <Route path="audit" element={<AuditPanel />} />
        <Route path="stats" element={<StatsPanel />} />
      </Routes>
    </div>
  );
}

function QueuePanel() {
  const [type, setType] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const queue = useAsync(
    (s) => get<{ items: QueueItem[]; nextCursor: string | null }>(`/api/admin/reports${qs({ type: type || undefined, cursor, limit: 20 })}`, s),
    [type, cursor],
  );
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A card that was acted on leaves the queue with the button that had the focus: the focus goes
  // to the queue's heading, so a keyboard user carries on from the top of the queue, not the page.
  const heading = useRef<HTMLHeadingElement>(null);
  const act = async (path: string, done: string) => {
    setError(null);
    setStatus(null);
    try {
      await post(path, {});
      setStatus(done);
      heading.current?.focus();
      queue.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const what = (i: QueueItem) => `${TYPE_LABEL[i.targetType].toLowerCase()} ${i.ownerUsername ? `by @${i.ownerUsername}` : ''}`.trim();
  return (
    <section aria-labelledby="queue-h">
      <h2 id="queue-h" ref={heading} tabIndex={-1}>
        Moderation queue
      </h2>
      <p className="muted small">Open reports, one card per reported thing, oldest first. Hiding resolves its reports; dismissing closes them with no action.</p>
      <div className="field">
        <label htmlFor="queue-type">Show</label>
        <select
          id="queue-type"
          value={type}
          onChange={(e) => {
            setType(e.target.value);
            setCursor(null);
          }}
        >
          <option value="">Everything</option>
          {Object.entries(TYPE_LABEL).map(([v, l]) => (
            <option key={v} value={v}>
              {l}s
            </option>
          ))}
        </select>
      </div>
      {status && <Notice>{status}</Notice>}
      <ErrorBox message={error ?? queue.error} />
      {queue.loading && !queue.data && <Loading />}
      {queue.data && queue.data.items.length === 0 && <p className="muted">Nothing to review.</p>}
      <ul className="admin-queue">
        {queue.data?.items.map((i) => (
          <li key={`${i.targetType}:${i.targetId}`} className="card" data-testid="queue-item">
            <p className="small">
              <strong>{TYPE_LABEL[i.targetType]}</strong>
              {i.ownerUsername && <> by @{i.ownerUsername}</>} · {counted(i.reportCount, 'report')} since {formatDate(i.firstReportedAt)}
              {i.hidden && <strong> · hidden</strong>}
              {i.suspended && <strong> · suspended</strong>}
              {!i.exists && <strong> · deleted since</strong>}
            </p>
            <blockquote className="admin-queue__preview" data-testid="queue-preview">
              {i.preview ?? <em className="muted">(no content)</em>}
            </blockquote>
            <p className="small">
              {Object.entries(i.reasons)
                .map(([r, n]) => `${REASON_LABEL[r] ?? r} × ${n}`)
                .join(', ')}
            </p>
            <ul className="small muted">
              {i.reports
                .filter((r) => r.note)
                .map((r) => (
                  <li key={r.id}>
                    @{r.reporterUsername}: “{r.note}”
                  </li>
                ))}
            </ul>
            <div className="row">
              {i.targetType !== 'user' && !i.hidden && i.exists && (
                <button type="button" className="btn btn--danger btn--small" onClick={() => void act(`/api/admin/content/${i.targetType}/${i.targetId}/hide`, `The ${what(i)} is hidden and its reports resolved.`)}>
                  Hide<span className="visually-hidden"> the {what(i)}</span>
                </button>
              )}
              {i.targetType === 'user' && !i.suspended && i.exists && (
                <button type="button" className="btn btn--danger btn--small" onClick={() => void act(`/api/admin/users/${i.targetId}/suspend`, `@${i.ownerUsername} is suspended. Resolve the reports when you are done.`)}>
                  Suspend<span className="visually-hidden"> @{i.ownerUsername}</span>
                </button>
              )}
              {(i.targetType === 'user' || i.hidden || !i.exists) && (
                <button type="button" className="btn btn--small" onClick={() => void act(`/api/admin/reports/${i.targetType}/${i.targetId}/resolve`, 'The reports are resolved.')}>
                  Resolve reports<span className="visually-hidden"> on the {what(i)}</span>
                </button>
              )}
              <button type="button" className="btn btn--ghost btn--small" onClick={() => void act(`/api/admin/reports/${i.targetType}/${i.targetId}/dismiss`, 'The reports are dismissed.')}>
                Dismiss<span className="visually-hidden"> the reports on the {what(i)}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <div className="pager">
        {cursor && (
          <button type="button" className="btn btn--ghost" onClick={() => setCursor(null)}>
            Back to the oldest
          </button>
        )}
        {queue.data?.nextCursor && (
          <button type="button" className="btn" onClick={() => setCursor(queue.data!.nextCursor)}>
            Next page
          </button>
        )}
      </div>
      <RestoreForm />
    </section>
  );
}

// Hidden content leaves the queue; an admin brings it back by its type and id (from the audit log).
function RestoreForm() {
  const [type, setType] = useState('comment');
  const [id, setId] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStatus(null);
    setError(null);
    if (!/^[0-9a-f-]{36}$/i.test(id.trim())) {
      setError('Id must be the content id (a UUID) as the audit log shows it.');
      return;
    }
    try {
      await post(`/api/admin/content/${type}/${id.trim()}/restore`, {});
      setStatus('Restored: it reads as before it was hidden.');
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="restore-h" noValidate>
      <h3 id="restore-h">Restore hidden content</h3>
      <div className="field">
        <label htmlFor="restore-type">Type</label>
        <select id="restore-type" value={type} onChange={(e) => setType(e.target.value)}>
          {['track', 'post', 'comment', 'message'].map((t) => (
            <option key={t} value={t}>
              {TYPE_LABEL[t]}
            </option>
          ))}
        </select>
      </div>
      <Field label="Id" value={id} onChange={(e) => setId(e.target.value)} error={error ?? undefined} maxLength={36} />
      {status && <Notice>{status}</Notice>}
      <button type="submit" className="btn">
        Restore
      </button>
    </form>
  );
}

function UsersPanel() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const users = useAsync((s) => get<{ users: AdminUser[]; page: number; limit: number; total: number }>(`/api/admin/users${qs({ q: query || undefined, page, limit: 20 })}`, s), [query, page]);
  const [error, setError] = useState<string | null>(null);
  const toggle = async (u: AdminUser) => {
    setError(null);
    try {
      await post(`/api/admin/users/${u.id}/${u.suspended ? 'restore' : 'suspend'}`, {});
      users.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <form
        className="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setQuery(q.trim().toLowerCase());
        }}
      >
        <Field label="Username or email starts with" value={q} maxLength={100} onChange={(e) => setQ(e.target.value)} />
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      <ErrorBox message={error ?? users.error} />
      {users.loading && !users.data && <Loading />}
      {users.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Open reports</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id}>
                  <td>
                    @{u.username}
                    <br />
                    <span className="muted small">{u.email}</span>
                  </td>
                  <td>{u.role}</td>
                  <td>{u.openReports}</td>
                  <td>
                    {u.suspended ? 'Suspended ' : 'Active '}
                    {u.role !== 'admin' && (
                      <button type="button" className="btn btn--small" onClick={() => void toggle(u)}>
                        {u.suspended ? 'Restore' : 'Suspend'}
                        <span className="visually-hidden"> @{u.username}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {users.data.users.length === 0 && <p className="muted">No account matches.</p>}
          <Pager page={page} limit={users.data.limit} total={users.data.total} onPage={setPage} />
        </div>
      )}
    </section>
  );
}

function FlagsPanel() {
  const [saved, setSaved] = useState(0);
  const flags = useAsync((s) => get<{ flags: Flag[] }>('/api/admin/flags', s), [saved]);
  // What the app itself reads for this admin (GET /api/flags), to check a rollout from the inside.
  const mine = useFlags(saved);
  const [editing, setEditing] = useState<Flag | null>(null);
  const [error, setError] = useState<string | null>(null);
  const remove = async (f: Flag) => {
    setError(null);
    try {
      await del(`/api/admin/flags/${f.key}`);
      setSaved((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-labelledby="flags-h">
      <h2 id="flags-h">Feature flags</h2>
      <p className="muted small">
        A flag is on for the users listed, and for the rollout percentage of everyone else (the same people every time: a stable hash of flag and user). Anonymous visitors get a flag only at 100 %.
      </p>
      <ErrorBox message={error ?? flags.error} />
      {flags.loading && !flags.data && <Loading />}
      <ul className="sessions">
        {flags.data?.flags.map((f) => (
          <li key={f.key} className="session">
            <span>
              <strong>{f.key}</strong> {f.enabled ? `on for ${f.rolloutPercent} %` : 'off'}
              {f.userIds.length > 0 && ` + ${counted(f.userIds.length, 'user')}`}
              {mine && <span className="muted small" data-testid="flag-for-you"> · for you: {mine[f.key] ? 'on' : 'off'}</span>}
              <br />
              <span className="muted small">{f.description}</span>
            </span>
            <span className="row">
              <button type="button" className="btn btn--small" onClick={() => setEditing(f)}>
                Edit<span className="visually-hidden"> {f.key}</span>
              </button>
              <button type="button" className="btn btn--ghost btn--small" onClick={() => void remove(f)}>
                Delete<span className="visually-hidden"> {f.key}</span>
              </button>
            </span>
          </li>
        ))}
      </ul>
      <FlagForm
        key={editing?.key ?? 'new'}
        flag={editing}
        onSaved={() => {
          setEditing(null);
          setSaved((n) => n + 1);
        }}
      />
    </section>
  );
}

function FlagForm({ flag, onSaved }: { flag: Flag | null; onSaved(): void }) {
  const [key, setKey] = useState(flag?.key ?? '');
  const [description, setDescription] = useState(flag?.description ?? '');
  const [enabled, setEnabled] = useState(flag?.enabled ?? false);
  const [percent, setPercent] = useState(String(flag?.rolloutPercent ?? 0));
  const [users, setUsers] = useState((flag?.userIds ?? []).join('\n'));
  const [errors, setErrors] = useState<{ fields: Record<string, string>; message: string | null }>({ fields: {}, message: null });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const fields: Record<string, string> = {};
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(key)) fields.key = 'Key must be 1-64 of a-z, 0-9 and _, starting with a letter.';
    const pct = Number(percent);
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) fields.rolloutPercent = 'Rollout must be a whole number from 0 to 100.';
    if (Object.keys(fields).length) {
      setErrors({ fields, message: null });
      return;
    }
    const userIds = users.split(/\s+/).filter(Boolean);
    try {
      await put(`/api/admin/flags/${key}`, { description, enabled, rolloutPercent: pct, userIds });
      setErrors({ fields: {}, message: null });
      onSaved();
    } catch (err) {
      setErrors(formErrors(err, ['key', 'description', 'rolloutPercent', 'userIds'], { rolloutPercent: 'Rollout', userIds: 'Targeted users' }));
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="flag-form-h" noValidate>
      <h3 id="flag-form-h">{flag ? `Edit ${flag.key}` : 'New flag'}</h3>
      <Field label="Key" value={key} onChange={(e) => setKey(e.target.value)} readOnly={!!flag} error={errors.fields.key} hint="a-z, 0-9 and _; cannot change later" maxLength={64} />
      <Field label="Description" value={description} onChange={(e) => setDescription(e.target.value)} error={errors.fields.description} maxLength={500} />
      <div className="field">
        <label>
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
        </label>
      </div>
      <Field label="Rollout (%)" type="number" min={0} max={100} value={percent} onChange={(e) => setPercent(e.target.value)} error={errors.fields.rolloutPercent} />
      <div className="field">
        <label htmlFor="flag-users">Targeted user ids (one per line)</label>
        <textarea
          id="flag-users"
          rows={3}
          value={users}
          onChange={(e) => setUsers(e.target.value)}
          aria-invalid={errors.fields.userIds ? true : undefined}
          aria-describedby={errors.fields.userIds ? 'flag-users-error' : undefined}
        />
        {errors.fields.userIds && (
          <small id="flag-users-error" className="field__error">
            {errors.fields.userIds}
          </small>
        )}
      </div>
      <ErrorBox message={errors.message} />
      <button type="submit" className="btn btn--primary">
        Save flag
      </button>
    </form>
  );
}

function AuditPanel() {
  const [action, setAction] = useState('');
  const [filter, setFilter] = useState('');
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const cursor = pages[pages.length - 1];
  const audit = useAsync((s) => get<{ entries: AuditEntry[]; nextCursor: string | null }>(`/api/admin/audit${qs({ action: filter || undefined, cursor, limit: 50 })}`, s), [filter, cursor]);
  const [error, setError] = useState<string | null>(null);
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <form
        className="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          const a = action.trim();
          if (a && !/^[a-z_.]{1,100}$/.test(a)) {
            setError('Action must be an action name such as content.hidden (a-z, _ and .).');
            return;
          }
          setError(null);
          setPages([null]);
          setFilter(a);
        }}
      >
        <Field label="Only the action" value={action} placeholder="content.hidden" maxLength={100} onChange={(e) => setAction(e.target.value)} error={error ?? undefined} />
        <button type="submit" className="btn">
          Filter
        </button>
      </form>
      <ErrorBox message={audit.error} />
      {audit.loading && !audit.data && <Loading />}
      {audit.data && (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.entries.map((e) => (
                <tr key={e.id} data-testid="audit-entry">
                  <td>
                    <time dateTime={e.createdAt}>{new Date(e.createdAt).toLocaleString()}</time>
                  </td>
                  <td className="small">{e.actorId ? `${e.actorRole ?? ''} ${e.actorId.slice(0, 8)}` : 'command line'}</td>
                  <td>{e.action}</td>
                  <td className="small">{e.targetType ? `${e.targetType} ${e.targetId}` : ''}</td>
                  <td className="small">{e.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            {pages.length > 1 && (
              <button type="button" className="btn btn--ghost" onClick={() => setPages((p) => p.slice(0, -1))}>
                Newer
              </button>
            )}
            {audit.data.nextCursor && (
              <button type="button" className="btn" onClick={() => setPages((p) => [...p, audit.data!.nextCursor])}>
                Older
              </button>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function StatsPanel() {
  const stats = useAsync((s) => get<Stats>('/api/admin/stats', s), []);
  const s = stats.data;
  return (
    <section aria-labelledby="stats-h">
      <h2 id="stats-h">Platform</h2>
      <ErrorBox message={stats.error} />
      {stats.loading && !s && <Loading />}
      {s && (
        <>
          <dl className="stats">
            {(
              [
                ['Users', s.users.total],
                ['Fans', s.users.fans],
                ['Artists', s.users.artists],
                ['New in 7 days', s.users.newLast7Days],
                ['Suspended', s.users.suspended],
                ['Active subscriptions', s.activeSubscriptions],
                ['Published releases', s.content.publishedReleases],
                ['Tracks', s.content.tracks],
                ['Posts', s.content.posts],
                ['Open reports', s.reports.open],
                ['Reported things', s.reports.openTargets],
                ['Decided in 7 days', s.reports.decidedLast7Days],
                ['Hidden', s.hidden.tracks + s.hidden.posts + s.hidden.comments + s.hidden.messages],
              ] as [string, number][]
            ).map(([label, n]) => (
              <div key={label} className="stat">
                <dt>{label}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
          <h3>Revenue</h3>
          {s.revenue.length === 0 ? (
            <p className="muted">No payments yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col">Gross</th>
                    <th scope="col">Refunded</th>
                    <th scope="col">Platform fees</th>
                    <th scope="col">Last 30 days</th>
                  </tr>
                </thead>
                <tbody>
                  {s.revenue.map((r) => (
                    <tr key={r.currency}>
                      <td>{r.currency}</td>
                      <td>{money(r.grossCents, r.currency)}</td>
                      <td>{money(r.refundedCents, r.currency)}</td>
                      <td>{money(r.platformFeeCents, r.currency)}</td>
                      <td>{money(r.grossLast30DaysCents, r.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
