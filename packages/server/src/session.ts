// A session: identity, secret token, sequence counters and replay buffer, outliving its connections.

import type { Json } from '@lifeline/protocol';
import { ReplayBuffer, type Settle } from './replay-buffer.js';

/** Why a `send()` was rejected. */
export type SendErrorCode = 'session-ended' | 'overflow' | 'payload-too-large';

/** The rejection of {@link Session.send}; `code` says why. */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    readonly code: SendErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a session ended for good: the client said `bye`; the resume window passed (`expired`); the
 * replay buffer passed its bounds (`overflow`, close 4010); the application called `close()`
 * (`closed`); the client proved ownership but asked to resume from an impossible position and got a
 * fresh session, or a new session of the same identity needed its place under
 * `maxSessionsPerIdentity` (`superseded`); the server shut down (`shutdown`).
 */
export type SessionEndReason = 'bye' | 'expired' | 'overflow' | 'closed' | 'superseded' | 'shutdown';

/** The application's view of a session. */
export interface Session {
  /** Public session id (also on the wire). */
  readonly id: string;
  /** The identity the auth hook returned. */
  readonly identity: string;
  /** Whether a connection is attached right now. */
  readonly connected: boolean;
  /** Whether the session has ended for good. */
  readonly ended: boolean;
  /**
   * Send `data` to the client. Settles when the client acknowledges it; rejects with a
   * {@link SendError} (`session-ended`, `overflow`, `payload-too-large`) or a TypeError for a value
   * JSON cannot carry. Unobserved rejections are swallowed, so fire-and-forget is safe.
   */
  send(data: Json): Promise<void>;
  /** End the session for good and close its connection. @default code 1000, reason 'closed' */
  close(code?: number, reason?: string): void;
}

/** What a session needs from its engine. */
export interface SessionHost<C extends Attachable> {
  /** Number, buffer and write one encoded payload; returns the error when it was refused. */
  enqueue(session: SessionState<C>, dataJson: string, settle: Settle | undefined): SendError | undefined;
  /** End the session for good. */
  endByApp(session: SessionState<C>, code: number, reason: string): void;
}

/** Something a session can be attached to; the engine's connection state. */
export interface Attachable {
  readonly open: boolean;
}

const noop = (): void => {};

/** Engine-side session state; the application sees it through {@link Session}. */
export class SessionState<C extends Attachable = Attachable> implements Session {
  /** Next server seq to assign. */
  nextSeq = 1;
  /** Highest client seq received and delivered. */
  lastReceived = 0;
  /** Highest server seq the client acknowledged. */
  acked = 0;
  readonly buffer = new ReplayBuffer();
  connection: C | undefined;
  /** When the last connection left; the resume window counts from here. */
  detachedAt: number | undefined;
  ended = false;

  constructor(
    readonly id: string,
    /** Secret: never log it. */
    readonly token: string,
    readonly identity: string,
    private readonly host: SessionHost<C>,
  ) {}

  /** What logging a session shows: never the token or the engine behind it. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }

  toJSON(): { id: string; identity: string; connected: boolean; ended: boolean } {
    return { id: this.id, identity: this.identity, connected: this.connected, ended: this.ended };
  }

  get connected(): boolean {
    return this.connection !== undefined && this.connection.open;
  }

  /** Highest server seq assigned (sent or queued). */
  get lastSent(): number {
    return this.nextSeq - 1;
  }

  send(data: Json): Promise<void> {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      return swallowed(Promise.reject(new TypeError(`send: data is not JSON (${error instanceof Error ? error.message : 'unserialisable'})`)));
    }
    if (json === undefined) return swallowed(Promise.reject(new TypeError('send: data is not JSON')));
    const text = json;
    return swallowed(
      new Promise<void>((resolve, reject) => {
        const refused = this.host.enqueue(this, text, { resolve, reject });
        if (refused) reject(refused);
      }),
    );
  }

  close(code = 1000, reason = 'closed'): void {
    this.host.endByApp(this, code, reason);
  }

  /** Apply a cumulative ack from the client. */
  release(seq: number): void {
    if (seq <= this.acked) return;
    this.acked = seq;
    this.buffer.release(seq);
  }
}

function swallowed(promise: Promise<void>): Promise<void> {
  promise.catch(noop);
  return promise;
}
