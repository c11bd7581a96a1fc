// Outbox storage in IndexedDB, for browsers: one database per outbox name, messages in send order.

import type { Json } from '@lifeline/protocol';
import type { OutboxStorage, StoredMessage } from './outbox-storage.js';

// The few IndexedDB shapes used here, declared structurally so the package needs no DOM typings.
interface Request<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface OpenRequest extends Request<Database> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface Cursor {
  readonly primaryKey: unknown;
  readonly value: unknown;
  continue(): void;
}
interface Index {
  getKey(key: string): Request<unknown>;
}
interface Store {
  add(value: unknown): Request<unknown>;
  delete(key: unknown): Request<unknown>;
  openCursor(): Request<Cursor | null>;
  index(name: string): Index;
  createIndex(name: string, keyPath: string, options: { unique: boolean }): Index;
}
interface Transaction {
  objectStore(name: string): Store;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface Database {
  transaction(store: string, mode: 'readonly' | 'readwrite'): Transaction;
  createObjectStore(name: string, options: { autoIncrement: boolean }): Store;
}
/** The part of `indexedDB` this adapter uses. */
export interface IndexedDbFactory {
  open(name: string, version: number): OpenRequest;
}

const STORE = 'messages';

/**
 * Keeps the outbox in the IndexedDB database `name` (one per client: two tabs need two names, or one
 * connection for all tabs). A `put` resolves once its transaction committed; a full disk or a
 * browser that refuses storage (private mode) rejects it, and the send then rejects.
 * @param factory @default globalThis.indexedDB
 */
export function indexedDbOutbox(name = 'lifeline-outbox', factory?: IndexedDbFactory): OutboxStorage {
  let db: Promise<Database> | undefined;
  const open = (): Promise<Database> => {
    db ??= new Promise<Database>((resolve, reject) => {
      const idb = factory ?? (globalThis as { indexedDB?: IndexedDbFactory }).indexedDB;
      if (!idb) return reject(new Error('IndexedDB is not available here'));
      const request = idb.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { autoIncrement: true }).createIndex('key', 'key', { unique: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error(`IndexedDB database '${name}' is blocked by another tab`));
    });
    db.catch(() => (db = undefined));
    return db;
  };
  const run = async (mode: 'readonly' | 'readwrite', fn: (store: Store) => void): Promise<void> => {
    const tx = (await open()).transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    fn(tx.objectStore(STORE));
    return done;
  };
  return {
    async load() {
      const out: StoredMessage[] = [];
      await run('readonly', (store) => {
        const cursor = store.openCursor();
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          const m = message(c.value);
          if (m) out.push(m);
          c.continue();
        };
      });
      return out;
    },
    put: (m) => run('readwrite', (store) => void store.add(m.target ? { key: m.key, data: m.data, target: m.target } : { key: m.key, data: m.data })),
    delete: (keys) =>
      run('readwrite', (store) => {
        const index = store.index('key');
        for (const key of keys) {
          const found = index.getKey(key);
          found.onsuccess = () => {
            if (found.result !== undefined) store.delete(found.result);
          };
        }
      }),
  };
}

function message(value: unknown): StoredMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, data, target } = value as { key?: unknown; data?: Json; target?: { ch?: unknown } };
  if (typeof key !== 'string' || data === undefined) return undefined;
  return target && typeof target.ch === 'string' ? { key, data, target: { ch: target.ch } } : { key, data };
}
