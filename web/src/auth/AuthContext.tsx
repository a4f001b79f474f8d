import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { get, hasRefreshToken, post, refreshSession, setTokens } from '../api/client';
import { realtime } from '../api/realtime';
import type { AuthResult, User } from '../api/types';

type Auth = {
  user: User | null;
  ready: boolean; // false until a stored session has been restored (or found absent)
  login(email: string, password: string): Promise<User>;
  register(body: Record<string, unknown>): Promise<User>;
  logout(): Promise<void>;
  // The server already ended every session (account deleted): forget it here without asking it.
  forget(): Promise<void>;
  setUser(u: User): void;
  reload(): Promise<void>;
};

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);

  const reload = useCallback(async () => {
    setUser(await get<User>('/api/auth/me'));
  }, []);

  useEffect(() => {
    (async () => {
      try {
        if (hasRefreshToken() && (await refreshSession())) await reload();
      } catch {
        await setTokens(null);
      } finally {
        setReady(true);
      }
    })();
  }, [reload]);

  // One live connection while someone is signed in (docs/realtime.md).
  const signedIn = user?.id;
  useEffect(() => {
    if (!signedIn) return;
    realtime.start();
    return () => realtime.stop();
  }, [signedIn]);

  const value = useMemo<Auth>(
    () => ({
      user,
      ready,
      async login(email, password) {
        const r = await post<AuthResult>('/api/auth/login', { email, password });
        await setTokens(r);
        setUser(r.user);
        return r.user;
      },
      async register(body) {
        const r = await post<AuthResult>('/api/auth/register', body);
        await setTokens(r);
        setUser(r.user);
        return r.user;
      },
      async logout() {
        try {
          await post('/api/auth/logout');
        } finally {
          await setTokens(null);
          setUser(null);
        }
      },
      async forget() {
        await setTokens(null);
        setUser(null);
      },
      setUser,
      reload,
    }),
    [user, ready, reload],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside AuthProvider');
  return a;
}
