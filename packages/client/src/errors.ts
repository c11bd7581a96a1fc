// LifelineError: the one error type the client rejects sends with and emits as 'error'.

import type { ErrorCode, Json } from '@lifeline/protocol';

/**
 * Why a `send()` was rejected (besides the server's refusals, `key-conflict` and `too-many-keys`,
 * which are protocol error codes).
 * - `outbox-full`: the outbox would pass `maxMessages` or `maxBytes`; nothing was queued.
 * - `too-large`: the encoded message is larger than the server's `maxPayload`.
 * - `closed`: `close()` was called before the server acknowledged the message.
 * - `unauthorized`: the server refused the credentials (close 4001 or 4003); the client stopped.
 * - `gave-up`: the client stopped reconnecting (a terminal close code or `maxAttempts`).
 */
export type SendErrorCode = 'outbox-full' | 'too-large' | 'closed' | 'unauthorized' | 'gave-up';

/**
 * Every code a {@link LifelineError} carries: the send codes, the server's `error` codes, and
 * - `auth-failed`: the application's `auth()` threw or rejected; this connection attempt is abandoned.
 * - `bad-server-frame`: a server frame failed to decode; it was ignored.
 * - `transport`: the socket reported a transport error (informational; a close follows if fatal).
 */
export type LifelineErrorCode = SendErrorCode | ErrorCode | 'auth-failed' | 'bad-server-frame' | 'transport' | 'timeout' | 'storage-failed';

/** Every client-side error code with its meaning (the server's `error` codes are in @lifeline/protocol). */
export const CLIENT_ERROR_CODES: ReadonlyArray<{ readonly code: Exclude<LifelineErrorCode, ErrorCode> | 'too-large'; readonly meaning: string }> = [
  { code: 'outbox-full', meaning: 'send() rejected: the outbox would pass maxMessages (1,000) or maxBytes (1 MiB); nothing was queued.' },
  { code: 'too-large', meaning: "send() rejected: the encoded message is larger than the server's maxPayload (64 KiB by default)." },
  { code: 'closed', meaning: 'send() rejected: close() was called before the server acknowledged the message.' },
  { code: 'unauthorized', meaning: 'send() rejected: the server refused the credentials (4001/4003) and the client stopped.' },
  { code: 'gave-up', meaning: 'send() rejected: the client stopped reconnecting (a terminal close code or maxAttempts).' },
  { code: 'auth-failed', meaning: "The application's auth() threw or rejected; the client stopped until reconnect()." },
  { code: 'bad-server-frame', meaning: 'A server frame failed to decode; it was ignored.' },
  { code: 'transport', meaning: 'The socket reported a transport error (informational; a close follows if it is fatal).' },
  { code: 'storage-failed', meaning: 'send() rejected: the outbox storage (outboxStorage) is full or unavailable; nothing was queued. Also reported as an error when the stored outbox cannot be loaded.' },
  { code: 'timeout', meaning: 'call() rejected: no answer within its timeout (30 s by default). The server may still run the call, once; its late answer is dropped.' },
];

/** Details attached to a {@link LifelineError}. */
export interface LifelineErrorDetails {
  /** The WebSocket close code behind the error, when a close caused it. */
  readonly closeCode?: number;
  /** The client `seq` a server `error` message was about. */
  readonly seq?: number;
  /** The underlying error, when there is one. */
  readonly cause?: unknown;
  /** Details the server gave with a failed call (a `CallError`'s data). */
  readonly data?: Json;
}

/** An error of the Lifeline client, with a stable machine-readable `code`. */
export class LifelineError extends Error {
  override readonly name = 'LifelineError';
  readonly closeCode: number | undefined;
  readonly seq: number | undefined;
  readonly data: Json | undefined;
  override readonly cause: unknown;

  constructor(
    readonly code: LifelineErrorCode,
    message: string,
    details: LifelineErrorDetails = {},
  ) {
    super(message);
    this.closeCode = details.closeCode;
    this.seq = details.seq;
    this.data = details.data;
    this.cause = details.cause;
  }
}
