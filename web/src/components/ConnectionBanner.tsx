import { useEffect, useState } from 'react';
import { useAuth } from '../auth/AuthContext';
import { useRealtimeStatus } from '../api/realtime';

// A small notice while the live connection is down. It waits a moment before showing, so a quick
// reconnect (a server restart, a network blip) goes unnoticed; nothing is lost meanwhile, since the
// connection resumes every channel from where it was.
const SHOW_AFTER_MS = 1500;

export function ConnectionBanner() {
  const { user } = useAuth();
  const status = useRealtimeStatus();
  const down = Boolean(user) && status !== 'online';
  const [show, setShow] = useState(false);
  useEffect(() => {
    if (!down) {
      setShow(false);
      return;
    }
    const t = window.setTimeout(() => setShow(true), SHOW_AFTER_MS);
    return () => window.clearTimeout(t);
  }, [down]);
  if (!show) return null;
  return (
    <div className="connection-banner" role="status">
      {navigator.onLine ? 'Reconnecting to live updates…' : 'You are offline. Live updates resume when you are back.'}
    </div>
  );
}
