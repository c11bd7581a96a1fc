// The client's event payloads and its typed event map.

import type { Json, ResumeFailure } from '@lifeline/protocol';
import type { SocketState } from '@lifeline/socket';
import type { LifelineError } from './errors.js';

/** Where the client's connection stands: the five states of the underlying `LifelineSocket`. */
export type ClientState = SocketState;

/** Sent with every welcome. `resumed: false` is a discontinuity: unreceived server messages are gone. */
export interface SessionInfo {
  /** The session id (never the token). */
  readonly id: string;
  /** True when the session continues with nothing lost. */
  readonly resumed: boolean;
  /** Why the session is fresh (`new`, `unknown-session`, `bad-token`, …), when `resumed` is false. */
  readonly reason?: ResumeFailure;
  /** The session this one replaces, when the client held another before (a fresh welcome after a loss). */
  readonly previousId?: string;
}

/** Metadata of a delivered server message (the client's view of a server `msg`). */
export interface ServerMessageMeta {
  /** The server's sequence number, 1, 2, … within a session. */
  readonly seq: number;
}

/**
 * Where the current connection is in the session handshake: no link (`down`), waiting for `auth()`
 * (`authenticating`), `hello` sent and waiting for `welcome` (`welcoming`), or `ready` (the session
 * is established and messages flow).
 */
export type HandshakePhase = 'down' | 'authenticating' | 'welcoming' | 'ready';

/** A transition of the handshake phase, with why (`link-open`, `hello-sent`, `welcome`, `closed:1006`, …). */
export interface PhaseChange {
  readonly from: HandshakePhase;
  readonly to: HandshakePhase;
  readonly reason: string;
}

/** A state transition of the underlying socket. */
export interface ClientStateChange {
  readonly from: ClientState;
  readonly to: ClientState;
  readonly reason: string;
}

/** Attempt `attempt` starts in `delay` ms (a server's `retryAfter` hint included). */
export interface ReconnectingInfo {
  readonly attempt: number;
  readonly delay: number;
  readonly reason: string;
}

/** A link was lost (or the final close). `code` is the goaway's when the close frame itself was lost. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** The client stopped reconnecting: `terminal-code:<code>`, `max-attempts`, or `auth-failed`. */
export interface GiveUpInfo {
  readonly attempts: number;
  readonly reason: string;
}

/** Listener arguments by event name. */
export type LifelineClientEventMap<D extends Json = Json> = {
  /** A server message, exactly once and in order within a session. */
  message: [data: D, meta: ServerMessageMeta];
  /** With `outboxStorage`: what an earlier run left unacknowledged is back in the outbox, to be sent once. */
  restored: [info: { readonly count: number }];
  /** Every welcome. */
  session: [info: SessionInfo];
  /** The socket's state changed. */
  statechange: [change: ClientStateChange];
  /** The handshake phase changed (on every link: authenticating → welcoming → ready → down). */
  phase: [change: PhaseChange];
  reconnecting: [info: ReconnectingInfo];
  /** A probe (ping) of a doubtful link was answered after `rtt` ms. */
  heartbeat: [info: { readonly rtt: number }];
  giveup: [info: GiveUpInfo];
  close: [info: CloseInfo];
  /** Server `error` messages, auth failures, undecodable server frames, transport errors. Annotates only. */
  error: [error: LifelineError];
};
