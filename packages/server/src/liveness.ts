// The body of one sweep tick: handshake deadline, heartbeat pings and timeouts, close deadline, expiry, stall forgiveness.

import { CloseCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { DedupeStore } from './dedupe.js';
import type { Funnel } from './funnel.js';
import type { Limits } from './limits.js';
import type { ResolvedOptions } from './options.js';
import type { Outbound } from './outbound.js';
import type { SessionState } from './session.js';
import type { SessionStore } from './store.js';

/** What the sweep's tick needs from the engine. */
export interface LivenessDeps {
  readonly options: Pick<ResolvedOptions, 'heartbeat' | 'handshakeTimeout' | 'resumeWindow' | 'maxUnacked' | 'maxUnackedBytes'>;
  readonly conns: ReadonlySet<ConnState>;
  readonly store: Pick<SessionStore<ConnState>, 'values'>;
  readonly dedupe: Pick<DedupeStore, 'sweep'>;
  readonly counters: Pick<Counters, 'handshakeTimeouts' | 'terminated' | 'stalls'>;
  readonly funnel: Pick<Funnel, 'closeConn' | 'terminate' | 'endSession'>;
  readonly limits: Pick<Limits, 'checkOutbound'>;
  readonly outbound: Pick<Outbound, 'send'>;
  /** The sweep period: every deadline is checked this much early. */
  readonly early: number;
}

/** Enforces every deadline of PROTOCOL.md §3 and §5 once per sweep tick. */
export class Liveness {
  constructor(private readonly deps: LivenessDeps) {}

  /** One tick at `now`; `stall` is how late the tick fired beyond one period (0 when on time). */
  tick(now: number, stall: number): void {
    const { options, counters, funnel } = this.deps;
    const { interval, timeout } = options.heartbeat;
    // Deadlines are checked one tick early so each is enforced within its length, never a tick past
    // it; a ping still leaves every interval, and its pong has at least timeout - tick to arrive.
    const early = this.deps.early;
    if (stall > 0) this.forgiveStall(now, stall);
    // Set and Map iterators tolerate the deletions a terminate or an expiry makes: no copy per tick.
    for (const c of this.deps.conns) {
      switch (c.phase) {
        case 'handshake':
        case 'authenticating':
          if (now - c.acceptedAt >= options.handshakeTimeout - early) {
            counters.handshakeTimeouts++;
            funnel.closeConn(c, CloseCode.HandshakeTimeout, 'handshake timeout');
          }
          break;
        case 'open':
          if (now - c.lastFrameAt >= interval + timeout - early) {
            counters.terminated++;
            funnel.terminate(c, 'heartbeat timeout');
          } else if (now - c.lastPingAt >= interval || this.underPressure(c.session)) {
            this.ping(c, now);
          } else if (c.outboundAllowance > 0) {
            // Only a resume replay's allowance needs a look without a write: it ends once the queue drains.
            this.deps.limits.checkOutbound(c);
          }
          break;
        case 'closing':
          // A peer that never completes the close handshake (it is not reading) is dropped.
          if (now - c.closingAt >= timeout) funnel.terminate(c, 'close timeout');
          break;
        case 'closed':
          break;
      }
    }
    for (const s of this.deps.store.values()) {
      if (!s.connection && s.detachedAt !== undefined && now - s.detachedAt >= options.resumeWindow) {
        funnel.endSession(s, 'expired');
      }
    }
    this.deps.dedupe.sweep(now);
  }

  /** After a stall, push every deadline anchor back by its length (never past now). */
  private forgiveStall(now: number, stall: number): void {
    this.deps.counters.stalls++;
    for (const c of this.deps.conns) {
      c.acceptedAt = Math.min(now, c.acceptedAt + stall);
      c.lastFrameAt = Math.min(now, c.lastFrameAt + stall);
      c.closingAt = Math.min(now, c.closingAt + stall);
    }
    for (const s of this.deps.store.values()) {
      if (s.detachedAt !== undefined) s.detachedAt = Math.min(now, s.detachedAt + stall);
    }
  }

  /** Half the unacked bound used: ping early so the client's ack comes back sooner. */
  private underPressure(s: SessionState | undefined): boolean {
    if (!s) return false;
    return s.buffer.count * 2 >= this.deps.options.maxUnacked || s.buffer.bytes * 2 >= this.deps.options.maxUnackedBytes;
  }

  private ping(c: ConnState, now: number): void {
    c.lastPingAt = now;
    const s = c.session;
    // Same bytes as encode({t: 'ping', ack}); built by hand because it runs for every connection every beat.
    this.deps.outbound.send(c, s ? `{"t":"ping","ack":${s.lastReceived}}` : '{"t":"ping"}');
  }
}
