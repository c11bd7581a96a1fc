// The one owner of a live session's state: its phase, sequence counters, replay buffer and connection.

import { constantTimeEqual } from '@lifeline/core';
import type { ConnState } from './connection.js';
import type { InboundSlot } from './delivery.js';
import type { WriteSlot } from './journal.js';
import type { TokenBucket } from './rate-limit.js';
import type { SessionRecord } from './record.js';
import { PendingKeys } from './pending-keys.js';
import { Refusals } from './refusals.js';
import { ReplayBuffer, type ReplayEntry, type Settle } from './replay-buffer.js';
import type { Session } from './session-view.js';

/** attached: a connection carries the session · detached: waiting for a resume · ended: gone for good. */
export type SessionPhase = 'attached' | 'detached' | 'ended';

/** A phase change, as reported to the session's listener. */
export interface SessionTransition {
  readonly from: SessionPhase;
  readonly to: SessionPhase;
  readonly reason: string;
}

/** What to do with an arriving client `msg`: deliver it, drop a replay of a delivered seq, or refuse a gap. */
export type Arrival = 'deliver' | 'replay' | 'gap';

const allowed: Record<SessionPhase, readonly SessionPhase[]> = {
  attached: ['detached', 'ended'],
  detached: ['attached', 'ended'],
  ended: [],
};

/**
 * A session as this node holds it: the data of its {@link SessionRecord} plus the live part (the
 * connection, the settles of pending `send()` promises). Every field is private and changes through
 * a method named for what it does; `transition` is the one writer of the phase and reports every
 * change. Counters come in pairs: what this node decided (`lastAccepted`, `lastSent`) and what the
 * store holds (`lastReceived`, `persistedSent`): only the latter reach the client.
 */
export class LiveSession {
  private phase: SessionPhase = 'detached';
  private conn: ConnState | undefined;
  private nextSeq: number;
  private ackedSeq: number;
  private acceptedSeq: number;
  private receivedSeq: number;
  private sentSeq: number;
  private detachedTime: number | undefined;
  private readonly buffer = new ReplayBuffer();
  private pendingWrites: WriteSlot | undefined;
  private pendingInbound: InboundSlot | undefined;
  /** Secret: never log it. The previous one stays good until the client shows it has this one. */
  private currentToken: string;
  private previousToken: string | undefined;
  private refusalLog: Refusals | undefined;
  private keyLog: PendingKeys | undefined;
  /** The application's handle on this session. */
  readonly view: Session;

  constructor(
    readonly id: string,
    token: string,
    readonly identity: string,
    /** Whom limits per identity count this session against: the identity, or its remote address when anonymous. */
    readonly principal: string,
    /** The session's inbound rate bucket, kept across its connections. */
    readonly bucket: TokenBucket,
    counters: Pick<SessionRecord, 'lastSent' | 'acked' | 'lastReceived' | 'previousToken'>,
    private readonly onTransition: (session: LiveSession, change: SessionTransition) => void,
    makeView: (session: LiveSession) => Session,
  ) {
    this.currentToken = token;
    this.previousToken = counters.previousToken;
    this.nextSeq = counters.lastSent + 1;
    this.ackedSeq = counters.acked;
    this.acceptedSeq = counters.lastReceived;
    this.receivedSeq = counters.lastReceived;
    this.sentSeq = counters.lastSent;
    this.view = makeView(this);
  }

  get state(): SessionPhase {
    return this.phase;
  }

  /** The client messages this session refused that the client may not have heard of yet. */
  get refusals(): Refusals {
    return (this.refusalLog ??= new Refusals());
  }

  /** Whether any refusal waits for the client (without creating the log). */
  get refusing(): boolean {
    return this.refusalLog !== undefined && this.refusalLog.pending > 0;
  }

  /** Keys of client messages whose acks the client may not have read yet. */
  get pendingKeys(): PendingKeys {
    return (this.keyLog ??= new PendingKeys());
  }

  /** Whether any key waits for the client to read its ack (without creating the list). */
  get settling(): boolean {
    return this.keyLog !== undefined && this.keyLog.size > 0;
  }

  /** The current resume token (what a welcome announces). Secret: never log it. */
  get token(): string {
    return this.currentToken;
  }

  /** The token the client held when it last resumed, still good until it shows it has the current one. */
  get pendingToken(): string | undefined {
    return this.previousToken;
  }

  /** Whether `given` is the current token, or the previous one while the client may not have the current one (constant time). */
  tokenMatches(given: string): boolean {
    const current = constantTimeEqual(this.currentToken, given);
    const previous = this.previousToken !== undefined && constantTimeEqual(this.previousToken, given);
    return current || previous;
  }

  /** A resume with `proven` succeeded: the client gets `next`; `proven` stays good until it uses `next`. */
  rotateToken(next: string, proven: string): void {
    this.currentToken = next;
    this.previousToken = proven;
  }

  /** The client showed it has the current token: the previous one stops working. False when there was none. */
  confirmToken(): boolean {
    if (this.previousToken === undefined) return false;
    this.previousToken = undefined;
    return true;
  }

  get connection(): ConnState | undefined {
    return this.conn;
  }

  /** Highest server seq assigned (written or waiting for the store). */
  get lastSent(): number {
    return this.nextSeq - 1;
  }

  /** Highest server seq the store holds: frames up to it may be written. */
  get persistedSent(): number {
    return this.sentSeq;
  }

  /** Highest server seq the client acknowledged. */
  get acked(): number {
    return this.ackedSeq;
  }

  /** Highest client seq accepted for delivery by this node. */
  get lastAccepted(): number {
    return this.acceptedSeq;
  }

  /** Highest client seq the store holds as received: what acks, pings and welcome tell the client. */
  get lastReceived(): number {
    return this.receivedSeq;
  }

  /** When the last connection left (the resume window counts from here); undefined while attached. */
  get detachedAt(): number | undefined {
    return this.detachedTime;
  }

  /** The journal's slot while this session has writes pending (see `Journal`). */
  get writes(): WriteSlot | undefined {
    return this.pendingWrites;
  }

  /** The journal starts (a slot) or stops (undefined) tracking this session's pending writes. */
  trackWrites(slot: WriteSlot | undefined): void {
    this.pendingWrites = slot;
  }

  /** Delivery's slot while this session has client messages accepted and not yet delivered (see `Delivery`). */
  get inbound(): InboundSlot | undefined {
    return this.pendingInbound;
  }

  /** Delivery starts (a slot) or stops (undefined) tracking this session's inbound batch. */
  trackInbound(slot: InboundSlot | undefined): void {
    this.pendingInbound = slot;
  }

  get unackedCount(): number {
    return this.buffer.count;
  }

  get unackedBytes(): number {
    return this.buffer.bytes;
  }

  /** Carry the session on `conn`; only from `detached` (a replaced connection is detached first). */
  attach(conn: ConnState, reason: string): boolean {
    if (!this.transition('attached', reason)) return false;
    this.conn = conn;
    this.detachedTime = undefined;
    return true;
  }

  /** `conn` left at `now`; ignored unless it is the session's connection. */
  detach(conn: ConnState, now: number, reason: string): boolean {
    if (this.conn !== conn || this.phase !== 'attached') return false;
    this.conn = undefined;
    this.detachedTime = now;
    return this.transition('detached', reason);
  }

  /** Move the detach time by a stall of the server itself (never past `now`). */
  forgiveStall(now: number, stall: number): void {
    if (this.detachedTime !== undefined) this.detachedTime = Math.min(now, this.detachedTime + stall);
  }

  /** Classify a client seq; `deliver` also accepts it (the next one must follow it). */
  accept(seq: number): Arrival {
    if (seq === this.acceptedSeq + 1) {
      this.acceptedSeq = seq;
      return 'deliver';
    }
    return seq <= this.acceptedSeq ? 'replay' : 'gap';
  }

  /** The client messages after `lastKept` were not taken after all (they will be resent): accept from there again. */
  unaccept(lastKept: number): void {
    if (lastKept < this.acceptedSeq) this.acceptedSeq = Math.max(lastKept, this.receivedSeq);
  }

  /** Keep one encoded message and the settle of its `send()`; its seq must be the next one (`lastSent + 1`). */
  enqueue(entry: ReplayEntry, settle: Settle | undefined): void {
    if (entry.seq !== this.nextSeq) throw new RangeError(`session ${this.id}: expected seq ${this.nextSeq}, got ${entry.seq}`);
    this.nextSeq++;
    this.buffer.push(entry, settle);
  }

  /** A cumulative ack from the client: resolve and drop what it covers. False when `seq` is beyond the last seq sent. */
  release(seq: number): boolean {
    if (seq > this.lastSent) return false;
    if (seq <= this.ackedSeq) return true;
    this.ackedSeq = seq;
    for (const settle of this.buffer.release(seq)) settle.resolve();
    return true;
  }

  /** The store confirmed everything up to these seqs. */
  persisted(sentUpTo: number, receivedUpTo: number): void {
    if (sentUpTo > this.sentSeq) this.sentSeq = Math.min(sentUpTo, this.lastSent);
    if (receivedUpTo > this.receivedSeq) this.receivedSeq = receivedUpTo;
  }

  /** Index of the first unacked entry after seq `after`; walk on with {@link entryAt}. */
  indexAfter(after: number): number {
    return this.buffer.indexAfter(after);
  }

  /** The unacked entry at index `i`, if any. */
  entryAt(i: number): ReplayEntry | undefined {
    return this.buffer.at(i);
  }

  /** Unacked entries with `after` < seq ≤ `upTo`, in order (what a store's `append` gets). */
  unacked(after: number, upTo: number): ReplayEntry[] {
    return this.buffer.slice(after, upTo);
  }

  /** End for good: detach from the connection (the caller closes it) and reject every pending send. */
  end(reason: string, error: Error): ConnState | undefined {
    const conn = this.conn;
    if (!this.transition('ended', reason)) return undefined;
    this.conn = undefined;
    for (const settle of this.buffer.clear()) settle.reject(error);
    return conn;
  }

  /** The record of this session as `owner` holds it now (for a store's `create`). */
  toRecord(owner: string): SessionRecord {
    const previous = this.previousToken !== undefined ? { previousToken: this.previousToken } : {};
    return { id: this.id, token: this.currentToken, ...previous, identity: this.identity, lastSent: this.lastSent, acked: this.ackedSeq, lastReceived: this.receivedSeq, owner, unacked: [] };
  }

  /** Take over the unacked frames of a stored record (a resume on a node that did not hold the session). */
  adopt(record: SessionRecord, bytes: (frame: string) => number): void {
    for (const f of record.unacked) if (f.seq > this.ackedSeq) this.buffer.push({ seq: f.seq, frame: f.frame, bytes: bytes(f.frame) }, undefined);
  }

  /** What logging a session shows: never the token. */
  toJSON(): { id: string; identity: string; state: SessionPhase } {
    return { id: this.id, identity: this.identity, state: this.phase };
  }

  /** The one writer of the phase; illegal moves are ignored and return false. */
  private transition(to: SessionPhase, reason: string): boolean {
    const from = this.phase;
    if (!allowed[from].includes(to)) return false;
    this.phase = to;
    this.onTransition(this, { from, to, reason });
    return true;
  }
}
