// Where the refresh token lives: IndexedDB. localStorage would be simpler, but Chromium propagates
// a localStorage write to other tabs asynchronously, so a tab that takes the refresh lock right
// after another tab rotated the token could still read the old one, send it, and (reuse detection)
// revoke the whole session. An IndexedDB transaction that starts after another one committed sees
// its write, whichever tab made it.
const DB_NAME = 'musicconnect';
const STORE = 'auth';
const KEY = 'refreshToken';
// A synchronous hint that a session may exist (a stale hint costs one failed refresh, no more).
const HINT = 'mc.session';

let db: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  db ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return db;
}

async function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const database = await open();
  return new Promise((resolve, reject) => {
    const tx = database.transaction(STORE, mode);
    const req = op(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const tokenStore = {
  mayHaveSession: () => localStorage.getItem(HINT) === '1',
  async read(): Promise<string | null> {
    return (await run<string | undefined>('readonly', (s) => s.get(KEY))) ?? null;
  },
  // Resolves once the write is committed (visible to every tab).
  async write(token: string | null): Promise<void> {
    if (token) {
      await run('readwrite', (s) => s.put(token, KEY));
      localStorage.setItem(HINT, '1');
    } else {
      await run('readwrite', (s) => s.delete(KEY));
      localStorage.removeItem(HINT);
    }
  },
};
