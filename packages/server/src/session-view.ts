// The application's handle on a session: the public Session interface, its errors, and the facade over a LiveSession.

import type { AnySchema, DownOf, Json, Schema } from '@lifeline/protocol';
import type { LiveSession } from './session.js';

/**
 * Why a `send()` was rejected: the session ended (`session-ended`), passed its unacked bounds and
 * ended (`overflow`, close 4010), the message is larger than `maxPayload` (`too-large`, the same
 * spelling as the client's), the session moved to another node that resumed it (`moved`), or the
 * session store failed and this node dropped the session (`store-failed`).
 */
export type SendErrorCode = 'session-ended' | 'overflow' | 'too-large' | 'moved' | 'store-failed';

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
 * `maxSessionsPerIdentity` or `maxSessionsPerAddress` (`superseded`); the node's `maxSessions` or
 * `maxDetachedBytes` needed room and it was detached the longest (`evicted`); the server shut down (`shutdown`: with a shared store the
 * record stays, and another node may resume it). Two reasons end only this node's hold: another
 * node resumed it (`moved`) and the store failed (`store-failed`).
 */
export type SessionEndReason = 'bye' | 'expired' | 'overflow' | 'closed' | 'superseded' | 'evicted' | 'shutdown' | 'moved' | 'store-failed';

/** The application's view of a session; `S` types what it sends (see `Schema`). */
export interface Session<S extends Schema = AnySchema> {
  /** Public session id (also on the wire). */
  readonly id: string;
  /** The identity the auth hook returned. */
  readonly identity: string;
  /** Whether a connection is attached right now. */
  readonly connected: boolean;
  /** Whether the session has ended (on this node). */
  readonly ended: boolean;
  /**
   * Send `data` to the client. Settles when the client acknowledges it; rejects with a
   * {@link SendError} (`session-ended`, `overflow`, `too-large`, `moved`, `store-failed`) or a
   * TypeError for a value JSON cannot carry. Unobserved rejections are swallowed, so
   * fire-and-forget is safe.
   */
  send(data: DownOf<S>): Promise<void>;
  /** End the session for good and close its connection. @default code 1000, reason 'closed' */
  close(code?: number, reason?: string): void;
}

/** What a session handle asks of the engine. */
export interface SessionPort {
  send(session: LiveSession, data: Json): Promise<void>;
  close(session: LiveSession, code: number, reason: string): void;
}

/** The {@link Session} of one LiveSession: reads its state, and sends and closes through the engine's port. */
export class SessionHandle implements Session {
  constructor(
    private readonly live: LiveSession,
    private readonly port: SessionPort,
  ) {}

  get id(): string {
    return this.live.id;
  }

  get identity(): string {
    return this.live.identity;
  }

  get connected(): boolean {
    return this.live.connection?.open === true;
  }

  get ended(): boolean {
    return this.live.state === 'ended';
  }

  send(data: Json): Promise<void> {
    return this.port.send(this.live, data);
  }

  close(code = 1000, reason = 'closed'): void {
    this.port.close(this.live, code, reason);
  }

  /** What logging a session shows: never the token or the engine behind it. */
  [Symbol.for('nodejs.util.inspect.custom')](): object {
    return this.toJSON();
  }

  toJSON(): { id: string; identity: string; connected: boolean; ended: boolean } {
    return { id: this.id, identity: this.identity, connected: this.connected, ended: this.ended };
  }
}
