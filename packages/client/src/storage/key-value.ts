// Outbox storage on a string key-value store: React Native's AsyncStorage, mini-program storage, localStorage.

import type { Json } from '@lifeline/protocol';
import type { OutboxStorage, StoredMessage } from './outbox-storage.js';

/** The two calls a key-value store needs (AsyncStorage has them as getItem/setItem). */
export interface KeyValueStore {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
}

/**
 * Keeps the outbox as one JSON value under `name` (it is bounded like the in-memory outbox, so one
 * value stays small). Writes are serialised so the value is never written out of order.
 * @example keyValueOutbox(AsyncStorage, 'chat-outbox')
 * @example keyValueOutbox({ getItem: (k) => wx.getStorageSync(k) || null, setItem: (k, v) => wx.setStorageSync(k, v) })
 */
export function keyValueOutbox(store: KeyValueStore, name = 'lifeline-outbox'): OutboxStorage {
  let messages: StoredMessage[] | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<StoredMessage[]> => {
    if (messages) return messages;
    const raw = await store.getItem(name);
    messages = raw ? parse(raw) : [];
    return messages;
  };
  const write = (change: (list: StoredMessage[]) => StoredMessage[]): Promise<void> => {
    const next = chain.then(async () => {
      const list = change(await read());
      await store.setItem(name, JSON.stringify(list));
      messages = list;
    });
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    load: async () => [...(await read())],
    put: (message) => write((list) => [...list.filter((m) => m.key !== message.key), message]),
    delete: (keys) => {
      const gone = new Set(keys);
      return write((list) => list.filter((m) => !gone.has(m.key)));
    },
  };
}

function parse(raw: string): StoredMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const out: StoredMessage[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { key, data, target } = item as { key?: unknown; data?: Json; target?: unknown };
    if (typeof key !== 'string' || data === undefined) continue;
    const t = target as { ch?: unknown; call?: unknown } | undefined;
    if (t && typeof t.ch === 'string') out.push({ key, data, target: { ch: t.ch } });
    else out.push({ key, data });
  }
  return out;
}
