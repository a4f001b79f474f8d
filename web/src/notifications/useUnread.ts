// The live unread count: read once when the user's channel is live (and after any reconnect or
// reload), then kept by `notification.created` and `notification.read` on `user:{id}`.
import { useState } from 'react';
import { get } from '../api/client';
import { useChannel } from '../api/realtime';
import { useAuth } from '../auth/AuthContext';

export function useUnreadNotifications(): number | null {
  const { user } = useAuth();
  const [unread, setUnread] = useState<number | null>(null);
  const read = () =>
    get<{ unread: number }>('/api/notifications/unread-count').then(
      (r) => setUnread(r.unread),
      () => {},
    );
  useChannel(user ? `user:${user.id}` : null, {
    ready: read,
    reload: read,
    event(e) {
      if (e.type === 'notification.created') {
        if (!e.payload.readAt) setUnread((n) => (n ?? 0) + 1);
      } else if (e.type === 'notification.read') {
        if (typeof e.payload.unread === 'number') setUnread(e.payload.unread);
        else void read();
      }
    },
  });
  return user ? unread : null;
}
