// The protocol's heartbeat on the client: answers server pings, probes doubtful links, takes the acks pings and pongs carry.

import type { Clock } from '@lifeline/core';
import { DEFAULT_HEARTBEAT, type HeartbeatParams, type PingMessage, type PongMessage } from '@lifeline/protocol';
import type { HeartbeatOptions } from '@lifeline/socket';
import type { Delivery } from './delivery.js';

/**
 * The socket keeps one deadline (any frame proves life) and writes nothing itself: it announces a
 * probe with its `probe` event and the client sends the ping. `pong: null`, so every frame reaches
 * the client and the ack a `pong` carries is never lost. Before a welcome announces the server's
 * values, the deadline is PROTOCOL.md §5's defaults and no probe is sent (the server would answer
 * `not-ready`).
 */
export function socketHeartbeat(announced?: HeartbeatParams): HeartbeatOptions {
  const { interval, timeout } = announced ?? DEFAULT_HEARTBEAT;
  return { mode: 'passive', interval, timeout, maxMissed: 1, anyMessageIsAlive: true, pong: null, message: null, probe: announced !== undefined };
}

/** What the heartbeat asks of the client around it. */
export interface HeartbeatHost {
  ready(): boolean;
  /** A probe was answered after `rtt` ms. */
  measured(rtt: number): void;
}

/** Server `ping` → `pong` at once; a probe → `ping`; either carries our cumulative ack and takes the server's. */
export class ClientHeartbeat {
  private probedAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly delivery: Pick<Delivery, 'acked' | 'piggyback'>,
    private readonly host: HeartbeatHost,
  ) {}

  /** The socket doubts the link: ask the server for proof (only once a session is ready). */
  probe(): void {
    if (!this.host.ready()) return;
    if (this.delivery.piggyback('ping')) this.probedAt = this.clock.now();
  }

  ping(m: PingMessage): void {
    if (!this.host.ready()) return;
    if (m.ack !== undefined) this.delivery.acked(m.ack);
    this.delivery.piggyback('pong');
  }

  pong(m: PongMessage): void {
    if (!this.host.ready()) return;
    if (m.ack !== undefined) this.delivery.acked(m.ack);
    const at = this.probedAt;
    if (at === undefined) return;
    this.probedAt = undefined;
    this.host.measured(this.clock.now() - at);
  }

  /** The link ended: an unanswered probe measures nothing. */
  reset(): void {
    this.probedAt = undefined;
  }
}
