import { useEffect, useState } from 'react';
import { useAuth } from '../auth/AuthContext';
import { get } from './client';

// Whether the signed-in user follows an artist (GET /api/artists/{id}/follow).
export function useFollowing(artistId: string | undefined) {
  const { user } = useAuth();
  const [value, set] = useState(false);
  useEffect(() => {
    set(false);
    if (!user || !artistId) return;
    const ctl = new AbortController();
    get<{ following: boolean }>(`/api/artists/${artistId}/follow`, ctl.signal)
      .then((r) => set(r.following))
      .catch(() => {});
    return () => ctl.abort();
  }, [user, artistId]);
  return { value, set };
}
