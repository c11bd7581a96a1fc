// The errors LifelineSocket throws, as classes an application can catch by type.

import type { SendData } from './transport.js';

/** Thrown by `send()` when the outbox is full and `onOverflow` is `'throw'` (or nothing can make room). */
export class OutboxOverflowError extends Error {
  override readonly name = 'OutboxOverflowError';

  constructor(
    /** The message that did not fit. */
    readonly data: SendData,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by `send()` after `close()` or after giving up: call `reconnect()` to use the socket again. */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}
