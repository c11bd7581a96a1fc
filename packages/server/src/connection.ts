// One transport connection as the engine sees it: the tiny Connection interface and its state machine.

import type { RequestInfo } from './options.js';
import type { TokenBucket } from './rate-limit.js';
import type { SessionState } from './session.js';

/** What the engine needs from a transport connection (a ws socket, or a fake in tests). */
export interface Connection {
  /** Queue one text frame. */
  send(text: string): void;
  /** Start a close handshake. */
  close(code: number, reason: string): void;
  /** Drop the connection at once, without a close handshake. */
  terminate(): void;
  /** Bytes queued for sending and not yet handed to the network. */
  readonly bufferedAmount: number;
}

/** Returned by `engine.accept()`: the transport reports inbound frames and the end of the connection. */
export interface ConnectionHandle {
  /** Numeric id of the connection within the engine. */
  readonly id: number;
  /** One inbound frame. Never throws. */
  receive(data: string | Uint8Array, isBinary: boolean): void;
  /** The transport connection is closed (for whatever reason). Never throws. */
  closed(code: number, reason: string): void;
}

/**
 * handshake: accepted, waiting for hello · authenticating: hello received, auth hook running ·
 * open: welcome sent, a session attached · closing: close sent, waiting for the transport ·
 * closed: gone.
 */
export type ConnPhase = 'handshake' | 'authenticating' | 'open' | 'closing' | 'closed';

/** A phase change, as reported to the engine. */
export interface ConnTransition {
  readonly from: ConnPhase;
  readonly to: ConnPhase;
  readonly reason: string;
}

const allowed: Record<ConnPhase, readonly ConnPhase[]> = {
  handshake: ['authenticating', 'closing', 'closed'],
  authenticating: ['open', 'closing', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Engine-side state of one connection. All deadlines are anchors the sweep compares with `now`. */
export class ConnState {
  private current: ConnPhase = 'handshake';
  session: SessionState<ConnState> | undefined;
  /** Anchor of the handshake deadline. */
  acceptedAt: number;
  /** Anchor of the liveness deadline: the last frame from the client. */
  lastFrameAt: number;
  /** The last ping sent. */
  lastPingAt: number;
  /** Anchor of the close-handshake deadline. */
  closingAt = 0;
  violations = 0;
  ackPending = false;
  /** Extra outbound bytes tolerated while a resume replay drains (see `Outbound.replay`, `Limits.checkOutbound`). */
  outboundAllowance = 0;

  constructor(
    readonly id: number,
    readonly transport: Connection,
    readonly request: RequestInfo,
    readonly bucket: TokenBucket,
    now: number,
    private readonly onTransition: (conn: ConnState, change: ConnTransition) => void,
  ) {
    this.acceptedAt = now;
    this.lastFrameAt = now;
    this.lastPingAt = now;
  }

  get phase(): ConnPhase {
    return this.current;
  }

  get open(): boolean {
    return this.current === 'open';
  }

  /** Whether frames may still be written. */
  get writable(): boolean {
    return this.current !== 'closing' && this.current !== 'closed';
  }

  /** The one transition method; illegal moves are ignored and return false. */
  transition(to: ConnPhase, reason: string): boolean {
    const from = this.current;
    if (!allowed[from].includes(to)) return false;
    this.current = to;
    this.onTransition(this, { from, to, reason });
    return true;
  }
}
