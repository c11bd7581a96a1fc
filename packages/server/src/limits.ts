// Limits on what one client may cost per connection: rejected frames (1008 past a count) and a dry rate bucket (4029).

import { CloseCode, encode, type DecodeError } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Counters } from './counters.js';
import type { Delivery } from './delivery.js';
import type { ResolvedOptions } from './options.js';
import type { Wire } from './wire.js';

/** What the limits need from the engine. */
export interface LimitsDeps {
  readonly options: Pick<ResolvedOptions, 'maxViolations'>;
  readonly counters: Pick<Counters, 'violations' | 'rateLimited'>;
  readonly wire: Wire;
}

/** Enforces the per-connection limits of PROTOCOL.md §6 and counts each breach. */
export class Limits {
  constructor(private readonly deps: LimitsDeps) {}

  /** Answer a rejected frame with `error`; past `maxViolations` of them, close with 1008. */
  reject(c: ConnState, error: DecodeError): void {
    this.deps.counters.violations++;
    const count = c.violated();
    this.deps.wire.write(c, encode({ t: 'error', code: error.code, message: error.message, ...(error.seq !== undefined ? { seq: error.seq } : {}) }));
    if (count >= this.deps.options.maxViolations) this.deps.wire.close(c, CloseCode.PolicyViolation, 'too many violations');
  }

  /**
   * A budget ran out (the session's or its identity's rate bucket, or its room for refusals): stop
   * reading, let what was accepted be delivered and acked (so only the rest is resent after resume),
   * then `goaway{retryAfter}` + 4029; the session is kept.
   */
  rateLimited(c: ConnState, retryAfter: number, delivery: Pick<Delivery, 'whenSettled' | 'ackDue'>): void {
    this.deps.counters.rateLimited++;
    c.stopReading();
    const close = (): void => this.deps.wire.close(c, CloseCode.RateLimited, 'rate limited', retryAfter);
    const s = c.session;
    if (!s || !c.open) return close();
    delivery.whenSettled(s, (settled) => {
      delivery.ackDue(settled);
      close();
    });
  }
}
