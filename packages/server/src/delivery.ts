// Client to application: exactly-once, in-order delivery per session (seq, then idempotency keys), and the acks that follow durability.

import { attempt, platform } from '@lifeline/core';
import { ErrorCode, ackFrame, type ClientDataMessage, type DecodeError, type Json } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { DedupeStore } from './dedupe.js';
import type { Journal } from './journal.js';
import type { LiveSession } from './session.js';
import type { Wire } from './wire.js';

/** Hands one accepted message to the application (the engine's `message` event). */
export type Deliver = (session: LiveSession, data: Json, seq: number, key: string | undefined) => void;

/** What delivery needs from the engine. */
export interface DeliveryDeps {
  readonly clock: { now(): number };
  readonly counters: Pick<Counters, 'duplicates' | 'deduplicated'>;
  readonly dedupe: DedupeStore;
  readonly journal: Journal;
  readonly wire: Wire;
  readonly deliver: Deliver;
  /** Answer a rejected frame with `error` (and count it). */
  reject(c: ConnState, error: DecodeError): void;
  /** The dedupe store failed: the session can no longer promise exactly-once. */
  failed(session: LiveSession, error: unknown): void;
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

  constructor(private readonly deps: DeliveryDeps) {}

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
    if (!batch.some((m) => m.key !== undefined)) return this.delivered(slot, batch, undefined);
    const keyed = batch.filter((m) => m.key !== undefined);
    attempt(() => this.deps.dedupe.claim(session.identity, keyed.map((m) => m.key ?? ''), this.deps.clock.now())).then(
      (results) => this.delivered(slot, batch, new Map(keyed.map((m, i) => [m, results[i] === 'claimed']))),
      (error: unknown) => {
        slot.running = false;
        this.deps.failed(session, error);
        this.finish(slot);
      },
    );
  }

  private delivered(slot: InboundSlot, batch: readonly ClientDataMessage[], claims: ReadonlyMap<ClientDataMessage, boolean> | undefined): void {
    const { session } = slot;
    try {
      let last = 0;
      for (const m of batch) {
        last = m.seq;
        if (session.state === 'ended') break;
        if (claims && m.key !== undefined && claims.get(m) !== true) {
          this.deps.counters.deduplicated++;
          continue;
        }
        this.deps.deliver(session, m.data, m.seq, m.key);
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
  }
}
