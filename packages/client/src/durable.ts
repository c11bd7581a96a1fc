// Sends through an outbox storage: each queued once durable, the earlier run's restored first, each forgotten once settled.

import type { Json } from '@lifeline/protocol';
import { LifelineError } from './errors.js';
import type { MessageTarget, OutboxEntry } from './outbox.js';
import type { OutboxStorage, StoredMessage } from './storage/outbox-storage.js';

/** What durable sends need from the client. */
export interface DurableHost {
  /** Number, encode and check one message (throws what `send()` rejects with). */
  prepare(data: Json, key: string | undefined, target: MessageTarget | undefined): OutboxEntry;
  /** Keep it in the outbox and send it; resolves on the server's ack. */
  add(entry: OutboxEntry): Promise<void>;
  /** The messages an earlier run left are back in the outbox. */
  restored(count: number): void;
  report(error: unknown): void;
}

/**
 * With an {@link OutboxStorage}, a send is queued only once storage holds it, so a reload or an app
 * kill cannot lose it: the next run sends it again with the same idempotency key and the server
 * applies it once. Sends keep their order (one chain); what an earlier run left goes first.
 */
export class DurableSends {
  private chain: Promise<unknown>;

  constructor(
    private readonly storage: OutboxStorage,
    private readonly host: DurableHost,
  ) {
    this.chain = storage.load().then(
      (messages) => this.restore(messages),
      (error: unknown) => host.report(new LifelineError('storage-failed', `could not load the outbox storage: ${describe(error)}`, { cause: error })),
    );
  }

  /** Like `send()`: resolves on the server's ack, rejects with `storage-failed` when storage refuses the message. */
  submit(data: Json, key: string | undefined, target: MessageTarget | undefined): Promise<void> {
    let checked: OutboxEntry;
    try {
      checked = this.host.prepare(data, key, target);
    } catch (error) {
      return Promise.reject(error);
    }
    const stored: StoredMessage = target ? { key: checked.key, data: checked.data, target } : { key: checked.key, data: checked.data };
    const queued = this.chain.then(async () => {
      try {
        await this.storage.put(stored);
      } catch (error) {
        throw new LifelineError('storage-failed', `the outbox storage refused the message: ${describe(error)}`, { cause: error });
      }
      // Wrapped, so this step ends when the message is queued, not when it is acknowledged.
      return { acked: this.host.add(this.host.prepare(stored.data, stored.key, target)) };
    });
    this.chain = queued.catch(() => undefined);
    const settled = queued.then(({ acked }) => acked);
    settled.then(
      () => this.forget(stored.key),
      (error: unknown) => {
        if (!(error instanceof LifelineError && error.code === 'storage-failed')) this.forget(stored.key);
      },
    );
    return settled;
  }

  private restore(messages: readonly StoredMessage[]): void {
    for (const m of messages) {
      let acked: Promise<void>;
      try {
        acked = this.host.add(this.host.prepare(m.data, m.key, m.target));
      } catch (error) {
        this.host.report(error);
        this.forget(m.key);
        continue;
      }
      acked.then(
        () => this.forget(m.key),
        (error: unknown) => {
          this.host.report(error);
          this.forget(m.key);
        },
      );
    }
    this.host.restored(messages.length);
  }

  private forget(key: string): void {
    this.storage.delete([key]).catch((error: unknown) => this.host.report(error));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
