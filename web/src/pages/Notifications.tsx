import { useEffect, useState } from 'react';
import { Link, Navigate } from 'react-router';
import { explain, get, post, put, qs } from '../api/client';
import { useChannel } from '../api/realtime';
import { NOTIFICATION_TYPES, formatDate, type AppNotification, type Delivery, type NotificationPage, type NotificationType } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, Notice, useTitle } from '../components/ui';
import { TYPE_LABEL, notificationLink, notificationText } from '../notifications/text';

const PAGE = 20;

export function NotificationsPage() {
  useTitle('Notifications');
  const { user } = useAuth();
  const [items, setItems] = useState<AppNotification[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [unread, setUnread] = useState(0);
  const [loading, setLoading] = useState(true);
  const [onlyUnread, setOnlyUnread] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (before: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const r = await get<NotificationPage>(`/api/notifications${qs({ limit: PAGE, cursor: before, unread: onlyUnread ? 'true' : undefined })}`);
      setItems((cur) => (before ? [...cur, ...r.notifications.filter((n) => !cur.some((c) => c.id === n.id))] : r.notifications));
      setCursor(r.nextCursor);
      setUnread(r.unread);
    } catch (e) {
      setError(explain(e));
    } finally {
      setLoading(false);
    }
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void (user && load(null)), [user?.id, onlyUnread]);

  useChannel(user ? `user:${user.id}` : null, {
    reload: () => void load(null),
    event(e) {
      if (e.type === 'notification.created') {
        const n = e.payload as AppNotification;
        setItems((cur) => (cur.some((c) => c.id === n.id) ? cur : [{ ...n, readAt: n.readAt ?? null }, ...cur]));
        setUnread((u) => u + 1);
      } else if (e.type === 'notification.read') {
        const now = new Date().toISOString();
        const ids: string[] | undefined = e.payload.ids;
        setItems((cur) => cur.map((n) => (n.readAt || (ids && !ids.includes(n.id)) ? n : { ...n, readAt: now })));
        if (typeof e.payload.unread === 'number') setUnread(e.payload.unread);
      }
    },
  });

  if (!user) return <Navigate to="/login?next=/notifications" replace />;

  const markRead = async (ids: string[] | null) => {
    setError(null);
    try {
      const r = ids ? await post<{ unread: number }>('/api/notifications/read', { ids }) : await post<{ unread: number }>('/api/notifications/read-all');
      const now = new Date().toISOString();
      setItems((cur) => cur.map((n) => (n.readAt || (ids && !ids.includes(n.id)) ? n : { ...n, readAt: now })));
      setUnread(r.unread);
    } catch (e) {
      setError(explain(e));
    }
  };

  return (
    <section aria-labelledby="notif-h" className="notifications">
      <div className="row-between">
        <h1 id="notif-h">Notifications</h1>
        <div className="row">
          <label className="chip">
            <input type="checkbox" checked={onlyUnread} onChange={(e) => setOnlyUnread(e.target.checked)} /> Unread only
          </label>
          <button type="button" className="btn" onClick={() => markRead(null)} disabled={unread === 0}>
            Mark all read
          </button>
        </div>
      </div>
      <p className="muted small" aria-live="polite" data-testid="notifications-unread">
        {unread === 0 ? 'You are all caught up.' : `${unread} unread`}
      </p>
      <ErrorBox message={error} />
      {!loading && items.length === 0 && <p className="muted">{onlyUnread ? 'No unread notifications.' : 'No notifications yet. Follow artists to hear about their releases and parties.'}</p>}
      <ul className="list notif-list" aria-label="Notifications">
        {items.map((n) => {
          const link = notificationLink(n);
          const text = notificationText(n);
          return (
            <li key={n.id} className={`card notif ${n.readAt ? '' : 'notif--unread'}`} data-testid="notification">
              <div className="notif__body">
                {!n.readAt && <span className="visually-hidden">Unread: </span>}
                {link ? (
                  <Link to={link} onClick={() => !n.readAt && void markRead([n.id])}>
                    {text}
                  </Link>
                ) : (
                  <span>{text}</span>
                )}
                <p className="muted small">
                  <time dateTime={n.createdAt}>{formatDate(n.createdAt)}</time>
                </p>
              </div>
              {!n.readAt && (
                <button type="button" className="btn btn--ghost btn--small" onClick={() => markRead([n.id])}>
                  Mark read<span className="visually-hidden">: {text}</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {loading && <Loading />}
      {cursor && !loading && (
        <button type="button" className="btn" onClick={() => load(cursor)}>
          Show older notifications
        </button>
      )}
      <p className="small">
        <Link to="/settings#notif-prefs-h">Choose which notifications you get</Link>
      </p>
    </section>
  );
}

const DELIVERY_LABEL: Record<Delivery, string> = { in_app: 'In the app', email: 'In the app and by email', off: 'Off' };

// Per type: in the app, in the app and the email digest, or off (Settings).
export function NotificationPreferences() {
  const [prefs, setPrefs] = useState<Record<NotificationType, Delivery> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    get<{ preferences: Record<NotificationType, Delivery> }>('/api/notifications/preferences').then(
      (r) => setPrefs(r.preferences),
      (e) => setError(explain(e)),
    );
  }, []);
  const change = async (type: NotificationType, value: Delivery) => {
    setError(null);
    setMsg(null);
    const before = prefs;
    setPrefs((p) => (p ? { ...p, [type]: value } : p));
    try {
      const r = await put<{ preferences: Record<NotificationType, Delivery> }>('/api/notifications/preferences', { preferences: { [type]: value } });
      setPrefs(r.preferences);
      setMsg(`${TYPE_LABEL[type]}: ${DELIVERY_LABEL[value].toLowerCase()}. Saved.`);
    } catch (e) {
      setPrefs(before);
      setError(explain(e, { [`preferences.${type}`]: TYPE_LABEL[type] }));
    }
  };
  return (
    <section aria-labelledby="notif-prefs-h" className="card">
      <h2 id="notif-prefs-h">Notifications</h2>
      <p className="muted small">Email sends an hourly digest of what you missed, when the server sends email.</p>
      {!prefs && !error && <Loading />}
      <ErrorBox message={error} />
      {prefs && (
        <div className="table-wrap">
          <table className="prefs">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">How you get it</th>
              </tr>
            </thead>
            <tbody>
              {NOTIFICATION_TYPES.map((t) => (
                <tr key={t}>
                  <th scope="row">
                    <label htmlFor={`pref-${t}`}>{TYPE_LABEL[t]}</label>
                  </th>
                  <td>
                    <select id={`pref-${t}`} value={prefs[t] ?? 'in_app'} onChange={(e) => change(t, e.target.value as Delivery)}>
                      {(Object.keys(DELIVERY_LABEL) as Delivery[]).map((d) => (
                        <option key={d} value={d}>
                          {DELIVERY_LABEL[d]}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {msg && <Notice>{msg}</Notice>}
    </section>
  );
}
