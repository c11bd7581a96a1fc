// Limits on what one client may cost: inbound rate, rejected frames, the outbound queue (slow consumer), sessions per identity.

import { CloseCode, encode, type DecodeError } from '@lifeline/protocol';
import type { SessionsByIdentity } from './by-identity.js';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Funnel } from './funnel.js';
import type { ResolvedOptions } from './options.js';
import { rateLimitRetryAfter } from './rate-limit.js';

/** What the limits need from the engine. */
export interface LimitsDeps {
  readonly options: Pick<ResolvedOptions, 'maxOutboundBytes' | 'maxViolations' | 'rateLimit' | 'maxSessionsPerIdentity' | 'capacityRetryAfter'>;
  readonly counters: Pick<Counters, 'slowConsumers' | 'violations' | 'rateLimited'>;
  readonly byIdentity: Pick<SessionsByIdentity<ConnState>, 'count' | 'oldestDetached'>;
  readonly funnel: Pick<Funnel, 'write' | 'closeConn' | 'endSession'>;
  /** Send the batched ack now (inbound delivery owns it). */
  flushAck(c: ConnState): void;
}

/** Enforces the per-connection and per-identity limits of PROTOCOL.md §4 and §6; counts each breach. */
export class Limits {
  constructor(private readonly deps: LimitsDeps) {}

  /** Slow consumer: the queue passed its cap (plus what a resume replay added, until it drains once). */
  checkOutbound(c: ConnState): void {
    const buffered = c.transport.bufferedAmount;
    const cap = this.deps.options.maxOutboundBytes;
    if (buffered <= cap) {
      c.outboundAllowance = 0;
      return;
    }
    if (buffered > cap + c.outboundAllowance) {
      this.deps.counters.slowConsumers++;
      this.deps.funnel.closeConn(c, CloseCode.SlowConsumer, 'slow consumer');
    }
  }

  /** Answer a rejected frame with `error`; past `maxViolations` of them, close with 1008. */
  reject(c: ConnState, error: DecodeError): void {
    this.deps.counters.violations++;
    c.violations++;
    const frame = encode({ t: 'error', code: error.code, message: error.message, ...(error.seq !== undefined ? { seq: error.seq } : {}) });
    if (this.deps.funnel.write(c, frame)) this.checkOutbound(c);
    if (c.violations >= this.deps.options.maxViolations) this.deps.funnel.closeConn(c, CloseCode.PolicyViolation, 'too many violations');
  }

  /** The connection's bucket ran dry: `goaway{retryAfter}` + 4029; the session is kept. */
  rateLimit(c: ConnState): void {
    this.deps.counters.rateLimited++;
    this.deps.flushAck(c); // ack what was processed, so only the rest is resent after resume
    const { perSecond, burst } = this.deps.options.rateLimit;
    this.deps.funnel.closeConn(c, CloseCode.RateLimited, 'rate limited', rateLimitRetryAfter(perSecond, burst));
  }

  /**
   * Make room for one more session of `identity`: at `maxSessionsPerIdentity`, the identity's oldest
   * detached session ends (`superseded`); if none is detached, the connection is refused with
   * `goaway{capacityRetryAfter}` + 1013. Returns whether the new session may be created.
   */
  admitSession(c: ConnState, identity: string): boolean {
    const { maxSessionsPerIdentity, capacityRetryAfter } = this.deps.options;
    while (this.deps.byIdentity.count(identity) >= maxSessionsPerIdentity) {
      const oldest = this.deps.byIdentity.oldestDetached(identity);
      if (!oldest) {
        this.deps.funnel.closeConn(c, CloseCode.TryAgainLater, 'too many sessions', capacityRetryAfter);
        return false;
      }
      this.deps.funnel.endSession(oldest, 'superseded');
      if (c.phase !== 'authenticating') return false; // a 'sessionclose' listener closed it meanwhile
    }
    return true;
  }
}
