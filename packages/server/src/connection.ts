// One transport connection as the engine sees it: the tiny Connection interface and the state of a connection.

import type { RequestInfo } from './options.js';
import type { TokenBucket } from './rate-limit.js';
import type { LiveSession } from './session.js';

/** What a pong to a ping proves the client read: refusals up to an index, acks up to a seq (0: none). */
export interface PingMark {
  readonly refusals: number;
  readonly acks: number;
}

const NO_MARK: PingMark = { refusals: 0, acks: 0 };

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
 * handshake: accepted, waiting for hello · authenticating: hello received, auth hook and store
 * running · open: welcome sent, a session attached · closing: close sent, waiting for the transport ·
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

/**
 * Engine-side state of one connection. Deadlines are anchors the sweep compares with `now`; every
 * field changes through a method named for what happened.
 */
export class ConnState {
  private current: ConnPhase = 'handshake';
  private bound: LiveSession | undefined;
  private requestInfo: RequestInfo | undefined;
  private acceptedTime: number;
  private lastFrameTime: number;
  private lastPingTime: number;
  private closingTime = 0;
  private violationCount = 0;
  private listening = true;
  /** Extra outbound bytes tolerated while a resume replay drains. */
  private allowance = 0;
  /** Highest server seq written on this connection, and the last ack sent on it. */
  private writtenSeq = 0;
  private ackSeq = -1;
  /** Until it carries a session, its own; then the session's, kept across the session's connections. */
  private rateBucket: TokenBucket;
  private principalBucket: TokenBucket | undefined;
  private heldPrincipal: string | undefined;
  /** The welcome rotated the session's token: the client's next frame shows it has the new one. */
  private tokenUnconfirmed = false;
  /** Per ping written and not yet answered, in order: what its pong will confirm. */
  private pingMarks: PingMark[] | undefined;
  /** Pings went unanswered past the bound: pongs here no longer tell which ping they answer. */
  private pingsUntracked = false;
  /** What limits per address count this connection under; kept, since they outlive the request. */
  readonly address: string | undefined;

  constructor(
    readonly id: number,
    readonly transport: Connection,
    request: RequestInfo,
    /** What limits per address count it under (see `addressKey`). */
    address: string | undefined,
    bucket: TokenBucket,
    now: number,
    private readonly onTransition: (conn: ConnState, change: ConnTransition) => void,
  ) {
    this.rateBucket = bucket;
    this.address = address;
    this.requestInfo = request;
    this.acceptedTime = now;
    this.lastFrameTime = now;
    this.lastPingTime = now;
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

  /** Whether inbound frames are still processed (false once a close is decided, e.g. a dry rate bucket). */
  get reading(): boolean {
    return this.listening && this.writable;
  }

  /** The session this connection carries, from the handshake's decision until the connection leaves it. */
  get session(): LiveSession | undefined {
    return this.bound;
  }

  /** The upgrade request, kept only until the handshake ran the auth hook. */
  get request(): RequestInfo | undefined {
    return this.requestInfo;
  }

  get acceptedAt(): number {
    return this.acceptedTime;
  }

  get lastFrameAt(): number {
    return this.lastFrameTime;
  }

  get lastPingAt(): number {
    return this.lastPingTime;
  }

  get closingAt(): number {
    return this.closingTime;
  }

  get outboundAllowance(): number {
    return this.allowance;
  }

  get lastWritten(): number {
    return this.writtenSeq;
  }

  get lastAck(): number {
    return this.ackSeq;
  }

  /** The bucket every inbound frame takes a token from. */
  get bucket(): TokenBucket {
    return this.rateBucket;
  }

  /** The bucket of the session's identity (or address) that application messages also take from. */
  get identityBucket(): TokenBucket | undefined {
    return this.principalBucket;
  }

  /** The principal whose bucket this connection holds (released when it closes). */
  get principal(): string | undefined {
    return this.heldPrincipal;
  }

  /** Whether the client has yet to show it has the token the welcome rotated to. */
  get awaitingToken(): boolean {
    return this.tokenUnconfirmed;
  }

  /** The one transition method; illegal moves are ignored and return false. */
  transition(to: ConnPhase, reason: string): boolean {
    const from = this.current;
    if (!allowed[from].includes(to)) return false;
    this.current = to;
    this.onTransition(this, { from, to, reason });
    return true;
  }

  /** The auth hook has run: the request (headers and all) is not kept for the connection's life. */
  forgetRequest(): void {
    this.requestInfo = undefined;
  }

  /** Bind to `session` (before the welcome) or unbind. */
  carry(session: LiveSession | undefined): void {
    this.bound = session;
  }

  /** The connection now carries a session: frames take from its bucket, messages from its principal's too. */
  useBuckets(session: TokenBucket, principal: string, principalBucket: TokenBucket): void {
    this.rateBucket = session;
    this.heldPrincipal = principal;
    this.principalBucket = principalBucket;
  }

  /** The welcome on this connection carried a rotated token (true), or the client showed it has it (false). */
  expectToken(awaiting: boolean): void {
    this.tokenUnconfirmed = awaiting;
  }

  /** A frame arrived at `now`. */
  heard(now: number): void {
    this.lastFrameTime = now;
  }

  /**
   * A ping was written at `now`; its pong will confirm what `mark` names (undefined: nothing). Marks
   * are kept in order, since pongs answer pings in order; past 8 unanswered this connection stops
   * confirming anything rather than guess.
   */
  pinged(now: number, mark?: PingMark): void {
    this.lastPingTime = now;
    if (this.pingsUntracked) return;
    const marks = (this.pingMarks ??= []);
    marks.push(mark ?? NO_MARK);
    if (marks.length > 8) {
      this.pingsUntracked = true;
      this.pingMarks = undefined;
    }
  }

  /** The heartbeat's interval counts from `now` (the welcome), though no ping was written. */
  beatFrom(now: number): void {
    this.lastPingTime = now;
  }

  /** A pong arrived: the mark of the ping it answers (undefined when it confirms nothing). */
  ponged(): PingMark | undefined {
    const mark = this.pingMarks?.shift();
    return mark === NO_MARK ? undefined : mark;
  }

  /** Whether a ping that will confirm something is still unanswered. */
  get confirming(): boolean {
    return this.pingMarks?.some((m) => m !== NO_MARK) === true;
  }

  /** The close handshake started at `now`. */
  closingSince(now: number): void {
    this.closingTime = now;
  }

  /** One more rejected frame; returns how many so far. */
  violated(): number {
    return ++this.violationCount;
  }

  /** Stop processing inbound frames (a close is coming). */
  stopReading(): void {
    this.listening = false;
  }

  /** Tolerate `bytes` above the outbound cap until the queue first drains below it (a resume replay). */
  allow(bytes: number): void {
    this.allowance = bytes;
  }

  /** Server frames up to `seq` are written on this connection (a replay starts from the client's position). */
  wrote(seq: number): void {
    this.writtenSeq = seq;
  }

  /** An ack for client messages up to `seq` was written. */
  acked(seq: number): void {
    this.ackSeq = seq;
  }

  /** After a stall of the server itself, push every deadline anchor back by its length (never past now). */
  forgiveStall(now: number, stall: number): void {
    this.acceptedTime = Math.min(now, this.acceptedTime + stall);
    this.lastFrameTime = Math.min(now, this.lastFrameTime + stall);
    this.closingTime = Math.min(now, this.closingTime + stall);
  }
}
