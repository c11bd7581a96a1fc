// Sends, publishes and calls made through the binding refresh the connection snapshot: the outbox has no event of its own.

import type { ConnectionStore } from './connection-store.js';

/** Refresh `store` now (the outbox grew) and when `promise` settles (acked or rejected); returns `promise` itself. */
export function tracked<T>(store: ConnectionStore, promise: Promise<T>): Promise<T> {
  store.refresh();
  promise.then(store.refresh, store.refresh);
  return promise;
}
