// The errors LifelineSocket throws: the platform's DOMExceptions where the WebSocket API throws those, and its own.

import type { SendData } from './transport.js';

/** The shape of a `DOMException` without the DOM lib. */
export interface DOMExceptionLike extends Error {
  /** The legacy numeric code (11 for InvalidStateError, 12 for SyntaxError, 15 for InvalidAccessError). */
  readonly code: number;
}

type DOMExceptionConstructor = new (message?: string, name?: string) => DOMExceptionLike;

const LEGACY_CODES: Readonly<Record<string, number>> = { InvalidStateError: 11, SyntaxError: 12, InvalidAccessError: 15, SecurityError: 18 };

/** Where the platform has no `DOMException` (some mini-program runtimes): an `Error` with its name and code. */
class FallbackDOMException extends Error implements DOMExceptionLike {
  readonly code: number;

  constructor(message = '', name = 'Error') {
    super(message);
    Object.defineProperty(this, 'name', { value: name, writable: true, configurable: true });
    this.code = LEGACY_CODES[name] ?? 0;
  }
}

const platform = (globalThis as { DOMException?: DOMExceptionConstructor }).DOMException;

/** The platform's `DOMException`, else {@link FallbackDOMException}. */
const DOMExceptionBase: DOMExceptionConstructor = typeof platform === 'function' ? platform : FallbackDOMException;

/** A `DOMException` named `name`, as the WebSocket API throws them. */
export function domException(message: string, name: string): DOMExceptionLike {
  return new DOMExceptionBase(message, name);
}

/** The `SyntaxError` DOMException: an invalid URL, protocol or close reason. */
export function syntaxError(message: string): DOMExceptionLike {
  return domException(message, 'SyntaxError');
}

/** The `InvalidAccessError` DOMException: a close code the application may not send. */
export function invalidAccessError(message: string): DOMExceptionLike {
  return domException(message, 'InvalidAccessError');
}

/**
 * Thrown by `send()` after `close()` or after giving up: call `reconnect()` to use the socket again.
 * A `DOMException` named `InvalidStateError` (code 11) where the platform has `DOMException`.
 */
export class InvalidStateError extends DOMExceptionBase {
  constructor(message = 'LifelineSocket is closed') {
    super(message, 'InvalidStateError');
  }
}

/** An {@link InvalidStateError}. */
export function invalidStateError(message: string): DOMExceptionLike {
  return new InvalidStateError(message);
}

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
