import { useEffect, useState } from 'react';
import { get } from './client';
import { useAuth } from '../auth/AuthContext';

// The current viewer's feature flags (GET /api/flags, docs/admin.md "Feature flags"): on or off by
// key, computed by the server (targeting, then a stable hash of flag and user id). Loaded once per
// viewer and shared by every component that asks; a failed load reads as "every flag off".
type Flags = Record<string, boolean>;
const loaded = new Map<string, Promise<Flags>>();

function load(viewer: string, fresh: boolean): Promise<Flags> {
  if (fresh) loaded.delete(viewer);
  let p = loaded.get(viewer);
  if (!p) {
    p = get<{ flags: Flags }>('/api/flags').then(
      (r) => r.flags,
      () => {
        loaded.delete(viewer);
        return {};
      },
    );
    loaded.set(viewer, p);
  }
  return p;
}

/** Every flag for the current viewer (null while loading). `nonce` changes force a fresh read. */
export function useFlags(nonce = 0): Flags | null {
  const { user } = useAuth();
  const viewer = user?.id ?? 'anonymous';
  const [flags, setFlags] = useState<Flags | null>(null);
  useEffect(() => {
    let live = true;
    load(viewer, nonce > 0).then((f) => live && setFlags(f));
    return () => {
      live = false;
    };
  }, [viewer, nonce]);
  return flags;
}

/** Whether one flag is on for the current viewer (off until loaded, and for unknown keys). */
export function useFlag(key: string): boolean {
  return useFlags()?.[key] ?? false;
}
