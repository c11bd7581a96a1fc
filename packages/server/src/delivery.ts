// Client to application: exactly-once, in-order delivery per session (seq, then idempotency keys), and the acks that follow durability.

import { attempt, platform } from '@lifeline/core';
import { ErrorCode, ackFrame, type ClientDataMessage, type DecodeError } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { ClaimResult, DedupeStore } from './dedupe.js';
import { fingerprint } from './fingerprint.js';
import type { Journal } from './journal.js';
import { KEYS_BEFORE_PING } from './pending-keys.js';
import type { LiveSession } from './session.js';
import type { Wire } from './wire.js';

/** Applies one accepted message: the application's `message` event, a publication, a call. */
export type Deliver = (session: LiveSession, m: ClientDataMessage) => void;

/** What delivery needs from the engine. */
export interface DeliveryDeps {
  readonly clock: { now(): number };
  readonly counters: Pick<Counters, 'duplicates' | 'deduplicated'>;
  readonly dedupe: DedupeStore;
  readonly journal: Journal;
  readonly wire: Wire;
  readonly deliver: Deliver;
  /** Whether a publication or call may be applied: undefined, or the code that refuses it (before its key is claimed). */
  check(session: LiveSession, m: ClientDataMessage): ErrorCode | undefined;
  /** A message whose key was applied before: acked, not applied again (a call answers with its first result). */
  repeated(session: LiveSession, m: ClientDataMessage): void;
  /** Answer a rejected frame with `error` (and count it). */
  reject(c: ConnState, error: DecodeError): void;
  /**
   * Client message `seq` of `session` was refused for good with `code` (reported, its send rejects).
   * False when the session cannot keep one more refusal: then it takes nothing from `seq` on for now.
   */
  refuse(session: LiveSession, seq: number, code: ErrorCode): boolean;
  /** The dedupe store failed: the session can no longer promise exactly-once. */
  failed(session: LiveSession, error: unknown): void;
  /** Ask `c`'s client soon for proof that it read what was written so far (an early ping). */
  confirmSoon(c: ConnState): void;
  report(error: unknown, context: string): void;
}

/**
 * The accepted messages of one session not yet delivered, and who waits for them. The session holds
 * it (`trackInbound`) while there is any, so no lookup is needed per frame.
 */
export interface InboundSlot {
  readonly session: LiveSession;
  messages: ClientDataMessage[];
  ackWanted: boolean;
  running: boolean;
  due: boolean;
  waiters: Array<(session: LiveSession) => void> | undefined;
}

/**
 * PROTOCOL.md §4 on the receiving side. A `msg` is classified at once by the session (deliver,
 * replay, gap); the accepted ones of one synchronous run form a batch. A session's batches run one
 * at a time: claim the batch's idempotency keys in one dedupe call, hand the claimed messages to the
 * application in order, record the new `lastReceived`, and ack once that is durable. So a slow or
 * jittery store can delay a session's deliveries but never reorder, repeat or lose one.
 */
export class Delivery {
  private due: InboundSlot[] = [];
  private scheduled = false;
  private readonly runDue = (): void => this.start();
  /** Writes the ack a durable batch earned; one function for every session, so the journal can dedupe it. */
  readonly ackDue = (session: LiveSession): void => this.writeAck(session, false);
  private readonly ackAgain = (session: LiveSession): void => this.writeAck(session, true);
  /** Whether the dedupe store takes settlements (else no session tracks its keys). */
  private readonly settles: boolean;

  constructor(private readonly deps: DeliveryDeps) {
    this.settles = deps.dedupe.settle !== undefined;
  }

  /** One client `msg` on `c`, the connection of `session`. */
  receive(session: LiveSession, c: ConnState, m: ClientDataMessage): void {
    switch (session.accept(m.seq)) {
      case 'replay': {
        this.deps.counters.duplicates++;
        const slot = this.slot(session);
        slot.ackWanted = true;
        return this.schedule(slot);
      }
      case 'gap':
        return this.deps.reject(c, { code: ErrorCode.SequenceGap, message: `expected seq ${session.lastAccepted + 1}`, seq: m.seq });
      case 'deliver': {
        const slot = this.slot(session);
        slot.messages.push(m);
        return this.schedule(slot);
      }
    }
  }

  /** Run `fn(session)` once every message accepted so far is delivered and durably received. */
  whenSettled(session: LiveSession, fn: (session: LiveSession) => void): void {
    const slot = session.inbound;
    if (!slot) return this.deps.journal.after(session, fn);
    if (slot.waiters) slot.waiters.push(fn);
    else slot.waiters = [fn];
  }

  private slot(session: LiveSession): InboundSlot {
    let slot = session.inbound;
    if (!slot) {
      slot = { session, messages: [], ackWanted: false, running: false, due: false, waiters: undefined };
      session.trackInbound(slot);
    }
    return slot;
  }

  private schedule(slot: InboundSlot): void {
    if (!slot.due) {
      slot.due = true;
      this.due.push(slot);
    }
    if (this.scheduled) return;
    this.scheduled = true;
    platform.queueMicrotask(this.runDue);
  }

  /** The end of a synchronous run (one read's frames): start every session's batch that is not running yet. */
  private start(): void {
    this.scheduled = false;
    const due = this.due;
    this.due = [];
    for (const slot of due) {
      slot.due = false;
      if (!slot.running && slot.session.inbound === slot) this.run(slot);
    }
  }

  private run(slot: InboundSlot): void {
    const { session } = slot;
    const batch = slot.messages;
    slot.messages = [];
    slot.running = true;
    // A feature's refusal comes before the key is claimed, so a refused message never uses its key up.
    let refusals: Map<ClientDataMessage, ErrorCode> | undefined;
    for (const m of batch) {
      const code = m.call === undefined && m.ch === undefined ? undefined : this.deps.check(session, m);
      if (code !== undefined) (refusals ??= new Map()).set(m, code);
    }
    const keyed = batch.filter((m) => m.key !== undefined && !refusals?.has(m));
    if (keyed.length === 0) return this.delivered(slot, batch, undefined, refusals);
    const claims = keyed.map((m) => ({ key: m.key ?? '', fingerprint: fingerprint(fingerprinted(m)) }));
    attempt(() => this.deps.dedupe.claim(session.identity, claims, this.deps.clock.now(), session.principal)).then(
      (results) => this.delivered(slot, batch, new Map(keyed.map((m, i) => [m, results[i] ?? 'full'])), refusals),
      (error: unknown) => {
        slot.running = false;
        this.deps.failed(session, error);
        this.finish(slot);
      },
    );
  }

  private delivered(
    slot: InboundSlot,
    batch: readonly ClientDataMessage[],
    claims: ReadonlyMap<ClientDataMessage, ClaimResult> | undefined,
    refusals: ReadonlyMap<ClientDataMessage, ErrorCode> | undefined,
  ): void {
    const { session } = slot;
    try {
      let last = 0;
      for (const m of batch) {
        last = m.seq;
        if (session.state === 'ended') break;
        const refusal = refusals?.get(m);
        const claim = refusal !== undefined ? 'refused' : claims && m.key !== undefined ? claims.get(m) : 'claimed';
        if (claim === 'duplicate') {
          this.deps.counters.deduplicated++;
          if (m.key !== undefined && this.settles) session.pendingKeys.add(m.seq, m.key);
          this.deps.repeated(session, m);
          continue;
        }
        if (claim !== 'claimed') {
          // Never dropped silently: the seq is consumed (the session goes on) and the client's send rejects.
          const code = refusal ?? (claim === 'conflict' ? ErrorCode.KeyConflict : ErrorCode.TooManyKeys);
          if (this.deps.refuse(session, m.seq, code)) continue;
          // The client has not caught up with its refusals: nothing from here on is taken (it resends it).
          last = m.seq - 1;
          session.unaccept(last);
          slot.messages = [];
          break;
        }
        if (m.key !== undefined && this.settles) session.pendingKeys.add(m.seq, m.key);
        this.deps.deliver(session, m);
      }
      if (last > 0 && session.state !== 'ended') this.deps.journal.received(session, last);
    } finally {
      slot.running = false;
      this.finish(slot);
    }
  }

  private finish(slot: InboundSlot): void {
    const { session } = slot;
    if (slot.messages.length > 0 && session.state !== 'ended') return this.run(slot);
    if (session.inbound === slot) session.trackInbound(undefined);
    // A replay is acked again even when its seq was acked on this connection: the client asked.
    this.deps.journal.after(session, slot.ackWanted ? this.ackAgain : this.ackDue);
    if (slot.waiters) for (const fn of slot.waiters) this.deps.journal.after(session, fn);
  }

  private writeAck(session: LiveSession, again: boolean): void {
    const c = session.connection;
    if (!c?.open || (session.lastReceived <= c.lastAck && !again)) return;
    c.acked(session.lastReceived);
    this.deps.wire.write(c, ackFrame(session.lastReceived));
    // Keys settle once a pong shows the client read their acks; ask early when many wait.
    if (session.settling && session.pendingKeys.size >= KEYS_BEFORE_PING) this.deps.confirmSoon(c);
  }
}

/** What a key's fingerprint covers: the data, and for a publication or a call its channel or method. */
function fingerprinted(m: ClientDataMessage): string {
  const json = JSON.stringify(m.data);
  if (m.ch !== undefined) return `ch:${m.ch}\u0000${json}`;
  if (m.call !== undefined) return `call:${m.call}\u0000${json}`;
  return json;
}
