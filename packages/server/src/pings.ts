// The server's pings, and what an answering pong proves: the frames before that ping reached the client.

import { attempt } from '@lifeline/core';
import { pingFrame } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { DedupeStore } from './dedupe.js';
import type { LiveSession } from './session.js';
import type { Wire } from './wire.js';

export interface PingsDeps {
  readonly wire: Pick<Wire, 'write'>;
  readonly dedupe: Pick<DedupeStore, 'settle'>;
  readonly report: (error: unknown, context: string) => void;
}

/**
 * Every server ping goes out here (the sweep's on schedule, an early one when refusals or keys pile
 * up). A ping carries the session's cumulative ack; a pong to it proves the client read every frame
 * written before it (frames arrive in order): the refusals the session holds, and the acks of the
 * messages whose keys wait for settlement.
 */
export class Pings {
  constructor(private readonly deps: PingsDeps) {}

  /** Write a ping on `c` now. */
  ping(c: ConnState, now: number): void {
    const s = c.session;
    const refusals = s?.refusing ? s.refusals.newest : 0;
    const acks = s?.settling ? s.lastReceived : 0;
    c.pinged(now, refusals > 0 || acks > 0 ? { refusals, acks } : undefined);
    this.deps.wire.write(c, pingFrame(s?.lastReceived));
  }

  /** Ping early (unless a confirming ping is out already) when `s` holds many unconfirmed things. */
  confirmSoon(c: ConnState, now: number): void {
    if (!c.confirming) this.ping(c, now);
  }

  /** A pong on `c`, the connection of `s`: what was written before the ping it answers is known to the client. */
  ponged(s: LiveSession, c: ConnState): void {
    const mark = c.ponged();
    if (!mark) return;
    if (mark.refusals > 0) s.refusals.confirm(mark.refusals);
    if (mark.acks === 0 || !s.settling) return;
    const keys = s.pendingKeys.takeUpTo(mark.acks);
    const { dedupe } = this.deps;
    if (keys.length === 0 || !dedupe.settle) return;
    const settle = dedupe.settle.bind(dedupe);
    attempt(async () => settle(s.identity, keys, s.principal)).catch((error: unknown) => this.deps.report(error, 'dedupe store settle failed'));
  }
}
