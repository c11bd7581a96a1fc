// Client to server: every inbound frame of every connection, rate-limited, decoded and routed by type to the handshake or a feature.

import { decodeUtf8 } from '@lifeline/core';
import { CloseCode, ErrorCode, decodeClientMessage, type ClientMessage } from '@lifeline/protocol';
import type { ConnState } from './connection.js';
import type { Delivery } from './delivery.js';
import type { FeatureSet } from './features.js';
import type { Handshake } from './handshake.js';
import type { Limits } from './limits.js';
import type { LiveSession } from './session.js';
import type { ResolvedOptions } from './options.js';
import type { Wire } from './wire.js';

/** What the inbound side needs from the engine. */
export interface InboundDeps {
  readonly options: Pick<ResolvedOptions, 'clock' | 'maxPayload'>;
  readonly limits: Limits;
  readonly handshake: Pick<Handshake, 'hello'>;
  readonly features: Pick<FeatureSet, 'handle'>;
  readonly delivery: Pick<Delivery, 'whenSettled' | 'ackDue'>;
  readonly wire: Wire;
  /** The client showed it has the token the welcome on `c` rotated to. */
  confirmToken(s: LiveSession, c: ConnState): void;
}

/** Takes every inbound frame (PROTOCOL.md §4 receiver side, §6 limits). */
export class Inbound {
  constructor(private readonly deps: InboundDeps) {}

  /** One frame from the transport: rate limit, then decode, then route. */
  receive(c: ConnState, data: string | Uint8Array, isBinary: boolean): void {
    if (!c.reading) return;
    const { limits, options } = this.deps;
    const now = options.clock.now();
    c.heard(now);
    if (!c.bucket.take(now)) return limits.rateLimited(c, c.bucket.refillTime, this.deps.delivery);
    if (isBinary) return limits.reject(c, { code: ErrorCode.BadFrame, message: 'binary frames are not accepted' });
    const text = typeof data === 'string' ? data : decodeUtf8(data);
    const decoded = decodeClientMessage(text, { maxLength: options.maxPayload });
    if (!decoded.ok) return limits.reject(c, decoded.error);
    this.route(c, decoded.message, now);
  }

  private route(c: ConnState, m: ClientMessage, now: number): void {
    const { limits, wire } = this.deps;
    if (m.t === 'bye' && !c.open) return wire.close(c, CloseCode.Normal, 'bye');
    if (c.phase === 'handshake') {
      if (m.t === 'hello') return this.deps.handshake.hello(c, m);
      return limits.reject(c, { code: ErrorCode.NotReady, message: 'send hello first' });
    }
    if (m.t === 'hello') return wire.close(c, CloseCode.BadRequest, 'second hello');
    const s = c.session;
    if (!c.open || !s) return limits.reject(c, { code: ErrorCode.NotReady, message: 'wait for welcome' });
    // Any frame after a welcome that rotated the token was sent by a client that has the new one.
    if (c.awaitingToken) this.deps.confirmToken(s, c);
    const identity = c.identityBucket;
    if (m.t === 'msg' && identity && !identity.take(now)) return limits.rateLimited(c, identity.refillTime, this.deps.delivery);
    if (!this.deps.features.handle(s, c, m, now)) limits.reject(c, { code: ErrorCode.UnknownType, message: `no handler for "${m.t}"` });
  }
}
