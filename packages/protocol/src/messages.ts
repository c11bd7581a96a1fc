// The session messages as a discriminated union on `t`, one interface per message.

import type { ClientChannelMessage, ServerChannelMessage } from './channel-messages.js';
import type { ErrorCode, ResumeFailure } from './codes.js';
import type { ServerPresenceMessage } from './presence-messages.js';

/** Any JSON value: what applications send and receive. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A session's identity on the wire. `token` is a secret: never log it. */
export interface SessionRef {
  readonly id: string;
  readonly token: string;
}

// ---- client to server -----------------------------------------------------------------------

/** First message on every connection: opens a new session or resumes one. */
export interface HelloMessage {
  readonly t: 'hello';
  /** Protocol version the client speaks. */
  readonly v: number;
  /** The session to resume, with the highest server `seq` the client delivered to its application. */
  readonly resume?: SessionRef & { readonly lastSeq: number };
  /** Credentials for the server's auth hook (a token, say). Never logged. */
  readonly auth?: Json;
}

/** An application message, client to server. `seq` counts from 1 within a session. */
export interface ClientDataMessage {
  readonly t: 'msg';
  readonly seq: number;
  readonly data: Json;
  /** Idempotency key: the server applies a key at most once within its dedupe window. */
  readonly key?: string;
  /** A publication to this channel instead of an application message (PROTOCOL.md §8). */
  readonly ch?: string;
  /** An RPC call of this method, `data` its params; `key` is the call id and is required (PROTOCOL.md §10). */
  readonly call?: string;
}

/** Cumulative acknowledgement: every message up to and including `seq` was received (both directions). */
export interface AckMessage {
  readonly t: 'ack';
  readonly seq: number;
}

/**
 * Heartbeat request. The server sends one every `heartbeat.interval`; a client sends one only to
 * probe a link it doubts (back online, page visible again, wake from sleep). `ack` piggybacks the
 * sender's cumulative ack.
 */
export interface PingMessage {
  readonly t: 'ping';
  readonly ack?: number;
}

/** Answer to a `ping`, sent at once, carrying the sender's cumulative ack. */
export interface PongMessage {
  readonly t: 'pong';
  readonly ack?: number;
}

/** The client ends its session on purpose; the server forgets it. */
export interface ByeMessage {
  readonly t: 'bye';
}

export type ClientMessage = HelloMessage | ClientDataMessage | AckMessage | PingMessage | PongMessage | ByeMessage | ClientChannelMessage;

// ---- server to client -----------------------------------------------------------------------

/** Heartbeat parameters the server drives; the client keeps one deadline of interval + timeout. */
export interface HeartbeatParams {
  /** Milliseconds between server pings. */
  readonly interval: number;
  /** Milliseconds a peer may be late beyond the interval before the link counts as dead. */
  readonly timeout: number;
}

/** Answer to `hello`: the session is established (fresh or resumed). */
export interface WelcomeMessage {
  readonly t: 'welcome';
  readonly v: number;
  readonly session: SessionRef;
  /** True when the session continues with nothing lost; false means a discontinuity. */
  readonly resumed: boolean;
  /** Why the session is fresh, when `resumed` is false. */
  readonly reason?: ResumeFailure;
  /** Highest client `seq` the server received in this session (0 for a fresh one). */
  readonly lastSeq: number;
  readonly heartbeat: HeartbeatParams;
  /** Largest message the server accepts, in bytes. */
  readonly maxPayload: number;
  /**
   * Client messages up to `lastSeq` the server refused (`error` with a refusal code) whose refusal the
   * client may not have seen: their sends reject rather than resolve. Only on a resume.
   */
  readonly refused?: readonly Refusal[];
}

/** One refused client message: its seq and why (a refusal code, see `REFUSAL_CODES`). */
export interface Refusal {
  readonly seq: number;
  readonly code: ErrorCode;
}

/** An application message, server to client. `seq` counts from 1 within a session. */
export interface ServerDataMessage {
  readonly t: 'msg';
  readonly seq: number;
  /** The message, or an RPC result (`re` set); null for a failed call. */
  readonly data: Json;
  /** The RPC call id this message answers (PROTOCOL.md §10). */
  readonly re?: string;
  /** Why the call `re` failed; `data` is then null. */
  readonly err?: CallFailure;
}

/** Why an RPC call failed: a code of the table, the application's message, and its optional details. */
export interface CallFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly data?: Json;
}

/** A non-fatal error about one message; the connection stays open. */
export interface ErrorMessage {
  readonly t: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** The client `seq` the error is about, when there is one. */
  readonly seq?: number;
}

/** Sent just before the server closes a connection it wants back later (drain, capacity, rate). */
export interface GoAwayMessage {
  readonly t: 'goaway';
  readonly code: number;
  readonly reason: string;
  /** Milliseconds the client should wait at least before reconnecting (it adds jitter). */
  readonly retryAfter?: number;
}

export type ServerMessage = WelcomeMessage | ServerDataMessage | AckMessage | PingMessage | PongMessage | ErrorMessage | GoAwayMessage | ServerChannelMessage | ServerPresenceMessage;
