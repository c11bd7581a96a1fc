// The body of one sweep tick: handshake deadline, heartbeat pings and timeouts, close deadline, expiry, stall forgiveness.

import { CloseCode } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { DedupeStore } from './dedupe.js';
import type { ResolvedOptions } from './options.js';
import type { Pings } from './pings.js';
import type { PrincipalBuckets } from './rate-limit.js';
import type { Sessions } from './sessions.js';
import type { SessionStore } from './store.js';
import type { Wire } from './wire.js';

/** What the sweep's tick needs from the engine. */
export interface LivenessDeps {
  readonly options: Pick<ResolvedOptions, 'heartbeat' | 'handshakeTimeout' | 'maxUnacked' | 'maxUnackedBytes'>;
  readonly conns: ReadonlySet<ConnState>;
  readonly sessions: Pick<Sessions, 'expire' | 'forgiveStall'>;
  readonly store: Pick<SessionStore, 'sweep'>;
  readonly dedupe: Pick<DedupeStore, 'sweep'>;
  readonly principals: Pick<PrincipalBuckets, 'sweep'>;
  readonly counters: Pick<Counters, 'handshakeTimeouts' | 'terminated' | 'stalls'>;
  readonly wire: Wire;
  readonly pings: Pick<Pings, 'ping'>;
  /** The sweep period: every deadline is checked this much early. */
  readonly early: number;
  report(error: unknown, context: string): void;
}

/** Enforces every deadline of PROTOCOL.md §3 and §5 once per sweep tick. */
export class Liveness {
  constructor(private readonly deps: LivenessDeps) {}

  /** One tick at `now`; `stall` is how late the tick fired beyond one period (0 when on time). */
  tick(now: number, stall: number): void {
    const { options, counters, wire } = this.deps;
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
            wire.close(c, CloseCode.HandshakeTimeout, 'handshake timeout');
          }
          break;
        case 'open':
          if (now - c.lastFrameAt >= interval + timeout - early) {
            counters.terminated++;
            wire.terminate(c, 'heartbeat timeout');
          } else if (now - c.lastPingAt >= interval || this.underPressure(c)) {
            this.ping(c, now);
          } else if (c.outboundAllowance > 0) {
            // Only a resume replay's allowance needs a look without a write: it ends once the queue drains.
            wire.checkOutbound(c);
          }
          break;
        case 'closing':
          // A peer that never completes the close handshake (it is not reading) is dropped.
          if (now - c.closingAt >= timeout) wire.terminate(c, 'close timeout');
          break;
        case 'closed':
          break;
      }
    }
    this.deps.sessions.expire(now);
    this.deps.principals.sweep(now);
    this.sweepStore(() => this.deps.dedupe.sweep?.(now), 'dedupe store sweep failed');
    this.sweepStore(() => this.deps.store.sweep?.(now), 'session store sweep failed');
  }

  /** After a stall, push every deadline anchor back by its length (never past now). */
  private forgiveStall(now: number, stall: number): void {
    this.deps.counters.stalls++;
    for (const c of this.deps.conns) c.forgiveStall(now, stall);
    this.deps.sessions.forgiveStall(now, stall);
  }

  /** Half the unacked bound used: ping early so the client's ack comes back sooner. */
  private underPressure(c: ConnState): boolean {
    const s = c.session;
    if (!s) return false;
    const { maxUnacked, maxUnackedBytes } = this.deps.options;
    return s.unackedCount * 2 >= maxUnacked || s.unackedBytes * 2 >= maxUnackedBytes;
  }

  private ping(c: ConnState, now: number): void {
    this.deps.pings.ping(c, now);
  }

  private sweepStore(sweep: () => Promise<void> | void, context: string): void {
    try {
      const done = sweep();
      if (done) done.catch((error: unknown) => this.deps.report(error, context));
    } catch (error) {
      this.deps.report(error, context);
    }
  }
}
