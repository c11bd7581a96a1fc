// The outbox storage seam: sent but unacknowledged messages kept across a page reload or an app kill.

import type { Json } from '@lifeline/protocol';
import type { MessageTarget } from '../outbox.js';

/** One message as storage keeps it: enough to send it again, with the same idempotency key. */
export interface StoredMessage {
  readonly key: string;
  readonly data: Json;
  readonly target?: MessageTarget;
}

/**
 * Where a client keeps what it sent until the server acknowledges it. `put` resolves once the
 * message is durable (a send is queued only then) and rejects when storage is full or unavailable
 * (the send rejects with `storage-failed`, never a silent drop); `load` returns what an earlier run
 * left, oldest first; `delete` forgets messages that were acknowledged or given up. One storage
 * (one name) belongs to one client at a time.
 */
export interface OutboxStorage {
  load(): Promise<readonly StoredMessage[]>;
  put(message: StoredMessage): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}
