// The one module that touches transports: writes every frame (with the slow-consumer check) and is the one idempotent close funnel.

import { truncateUtf8 } from '@lifeline/core';
import { CloseCode, encode } from '@lifeline/protocol';
import type { ConnState, Connection } from './connection.js';
import type { Counters } from './counters.js';

/** Where the wire reports a connection's end (the engine's `disconnect` event). */
export interface WireEvents {
  disconnect(c: ConnState, sessionId: string | undefined, code: number, reason: string, by: 'server' | 'client'): void;
}

/** What the wire needs from the engine. */
export interface WireDeps {
  readonly clock: { now(): number };
  readonly maxOutboundBytes: number;
  readonly counters: Pick<Counters, 'slowConsumers'>;
  readonly events: WireEvents;
  /** Route an unexpected error to the engine's `error` event. */
  report(error: unknown, context: string): void;
}

/**
 * Every frame goes out through {@link Wire.write}, and every connection ends through `close`,
 * `terminate` or `transportClosed`, so each happens once: a second close, a write after close and a
 * close after terminate are no-ops. The connection's transition listener (the engine) detaches its
 * session as the connection leaves `open`.
 */
export class Wire {
  constructor(private readonly deps: WireDeps) {}

  /**
   * Write one frame, then check the outbound cap (slow consumer: 4008, the session kept) unless
   * `check` is false (a resume replay checks once, after its last frame). Nothing is written once
   * closing; a failed send terminates the connection. Returns whether it was written.
   */
  write(c: ConnState, text: string, check = true): boolean {
    if (!c.writable) return false;
    try {
      c.transport.send(text);
    } catch (error) {
      this.deps.report(error, 'transport send failed');
      this.terminate(c, 'send failed');
      return false;
    }
    if (check) this.checkOutbound(c);
    return true;
  }

  /** Slow consumer: the queue passed its cap (plus what a resume replay added, until it drains once). */
  checkOutbound(c: ConnState): void {
    const buffered = c.transport.bufferedAmount;
    const cap = this.deps.maxOutboundBytes;
    if (buffered <= cap) {
      if (c.outboundAllowance > 0) c.allow(0);
      return;
    }
    if (buffered > cap + c.outboundAllowance) {
      this.deps.counters.slowConsumers++;
      this.close(c, CloseCode.SlowConsumer, 'slow consumer');
    }
  }

  /** Turn away a transport the engine did not admit: `goaway{retryAfter}`, then close (or terminate). */
  refuse(transport: Connection, code: number, reason: string, retryAfter: number): void {
    try {
      transport.send(encode({ t: 'goaway', code, reason, retryAfter }));
      transport.close(code, reason);
    } catch {
      try {
        transport.terminate();
      } catch (error) {
        this.deps.report(error, 'transport terminate failed');
      }
    }
  }

  /** The close funnel: idempotent; optionally preceded by `goaway{retryAfter}`. The session is kept. */
  close(c: ConnState, code: number, text: string, goawayRetryAfter?: number): void {
    if (!c.writable) return;
    const reason = truncateUtf8(text, 123); // RFC 6455: a close reason fits 123 bytes
    if (goawayRetryAfter !== undefined) this.write(c, encode({ t: 'goaway', code, reason, retryAfter: goawayRetryAfter }));
    if (!c.writable) return;
    const sessionId = c.session?.id;
    c.closingSince(this.deps.clock.now());
    c.transition('closing', reason);
    try {
      c.transport.close(code, reason);
    } catch (error) {
      this.deps.report(error, 'transport close failed');
      this.terminate(c, 'close failed');
    }
    this.deps.events.disconnect(c, sessionId, code, reason, 'server');
  }

  /** Drop a connection without a close handshake. */
  terminate(c: ConnState, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = c.session?.id;
    c.transition('closed', reason);
    try {
      c.transport.terminate();
    } catch (error) {
      this.deps.report(error, 'transport terminate failed');
    }
    if (announce) this.deps.events.disconnect(c, sessionId, CloseCode.Abnormal, reason, 'server');
  }

  /** The transport reports its end (the peer closed, or our close or terminate completed). */
  transportClosed(c: ConnState, code: number, reason: string): void {
    if (c.phase === 'closed') return;
    const announce = c.writable;
    const sessionId = c.session?.id;
    c.transition('closed', 'transport closed');
    if (announce) this.deps.events.disconnect(c, sessionId, code, reason, 'client');
  }
}
