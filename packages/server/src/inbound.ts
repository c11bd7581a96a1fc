// Client to server: decode and dispatch each frame, deliver messages exactly once (seq order, idempotency keys), batch acks.

import { TextDecoder } from 'node:util';
import { CloseCode, ErrorCode, decodeClientMessage, encode, type ClientDataMessage, type ClientMessage } from '@lifeline/protocol';
import type { EngineEvents } from './api.js';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { DedupeStore } from './dedupe.js';
import type { Emitter } from './emitter.js';
import type { Funnel } from './funnel.js';
import type { Handshake } from './handshake.js';
import type { Limits } from './limits.js';
import type { ResolvedOptions } from './options.js';
import type { Outbound } from './outbound.js';
import type { SessionState } from './session.js';

const utf8 = new TextDecoder('utf-8');

/** What inbound delivery needs from the engine. */
export interface InboundDeps {
  readonly options: Pick<ResolvedOptions, 'clock' | 'maxPayload'>;
  readonly counters: Pick<Counters, 'duplicates' | 'deduplicated'>;
  readonly dedupe: Pick<DedupeStore, 'has' | 'add'>;
  readonly events: Pick<Emitter<EngineEvents>, 'emit'>;
  readonly funnel: Pick<Funnel, 'closeConn' | 'endSession'>;
  readonly limits: Pick<Limits, 'reject' | 'rateLimit'>;
  readonly outbound: Pick<Outbound, 'send' | 'acked'>;
  readonly handshake: Pick<Handshake, 'hello'>;
  /** Run `fn`, reporting anything it throws. */
  guard(fn: () => void): void;
}

/** Takes every inbound frame of every connection (PROTOCOL.md §4 receiver side). */
export class Inbound {
  constructor(private readonly deps: InboundDeps) {}

  /** One frame from the transport: rate limit, then decode, then dispatch. */
  receive(c: ConnState, data: string | Uint8Array, isBinary: boolean): void {
    if (!c.writable) return;
    const now = this.deps.options.clock.now();
    c.lastFrameAt = now;
    if (!c.bucket.take(now)) {
      this.deps.limits.rateLimit(c);
      return;
    }
    if (isBinary) {
      this.deps.limits.reject(c, { code: ErrorCode.BadFrame, message: 'binary frames are not accepted' });
      return;
    }
    const text = typeof data === 'string' ? data : utf8.decode(data);
    const decoded = decodeClientMessage(text, { maxLength: this.deps.options.maxPayload });
    if (!decoded.ok) {
      this.deps.limits.reject(c, decoded.error);
      return;
    }
    this.dispatch(c, decoded.message, now);
  }

  /** Send the pending batched ack now, if any. */
  flushAck(c: ConnState): void {
    if (!c.ackPending) return;
    c.ackPending = false;
    const s = c.session;
    if (c.open && s) this.deps.outbound.send(c, encode({ t: 'ack', seq: s.lastReceived }));
  }

  private dispatch(c: ConnState, m: ClientMessage, now: number): void {
    const { funnel, limits, outbound } = this.deps;
    if (m.t === 'bye' && !c.open) {
      funnel.closeConn(c, CloseCode.Normal, 'bye');
      return;
    }
    if (c.phase === 'handshake') {
      if (m.t === 'hello') this.deps.handshake.hello(c, m);
      else limits.reject(c, { code: ErrorCode.NotReady, message: 'send hello first' });
      return;
    }
    if (m.t === 'hello') {
      funnel.closeConn(c, CloseCode.BadRequest, 'second hello');
      return;
    }
    const s = c.session;
    if (!c.open || !s) {
      limits.reject(c, { code: ErrorCode.NotReady, message: 'wait for welcome' });
      return;
    }
    switch (m.t) {
      case 'msg':
        this.onMessage(c, s, m, now);
        return;
      case 'ack':
        outbound.acked(c, s, m.seq);
        return;
      case 'pong':
        if (m.ack !== undefined) outbound.acked(c, s, m.ack);
        return;
      case 'ping':
        // A client probing a link it doubts (back online, visible again, awake): answer at once.
        if (m.ack !== undefined) outbound.acked(c, s, m.ack);
        outbound.send(c, encode({ t: 'pong', ack: s.lastReceived }));
        return;
      case 'bye':
        funnel.endSession(s, 'bye', CloseCode.Normal, 'bye');
        return;
    }
  }

  private onMessage(c: ConnState, s: SessionState<ConnState>, m: ClientDataMessage, now: number): void {
    if (m.seq <= s.lastReceived) {
      this.deps.counters.duplicates++;
      this.scheduleAck(c);
      return;
    }
    if (m.seq !== s.lastReceived + 1) {
      this.deps.limits.reject(c, { code: ErrorCode.SequenceGap, message: `expected seq ${s.lastReceived + 1}`, seq: m.seq });
      return;
    }
    s.lastReceived = m.seq;
    this.scheduleAck(c);
    if (m.key !== undefined) {
      const { dedupe } = this.deps;
      if (dedupe.has(s.identity, m.key, now)) {
        this.deps.counters.deduplicated++;
        return;
      }
      dedupe.add(s.identity, m.key, now);
    }
    this.deps.events.emit('message', s, m.data, m.key !== undefined ? { seq: m.seq, key: m.key } : { seq: m.seq });
  }

  /** One `ack` per batch: the frames of one read arrive in one synchronous run, the microtask follows it. */
  private scheduleAck(c: ConnState): void {
    if (c.ackPending) return;
    c.ackPending = true;
    queueMicrotask(() => this.deps.guard(() => this.flushAck(c)));
  }
}
