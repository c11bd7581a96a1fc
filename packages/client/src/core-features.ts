// The session protocol's own server messages as client features: welcome, msg, ack, ping, pong, error, goaway.

import { REFUSAL_CODES, type ErrorMessage, type GoAwayMessage, type WelcomeMessage } from '@lifeline/protocol';
import type { Delivery } from './delivery.js';
import type { ClientFeature } from './features.js';
import type { ClientHeartbeat } from './heartbeat.js';

/** What the core handlers act on. */
export interface CoreFeatureHost {
  /** Whether a session is established on the current link (data, acks and heartbeats count only then). */
  ready(): boolean;
  welcome(m: WelcomeMessage): void;
  readonly delivery: Pick<Delivery, 'received' | 'acked' | 'refused'>;
  readonly heartbeat: Pick<ClientHeartbeat, 'ping' | 'pong'>;
  error(m: ErrorMessage): void;
  goaway(m: GoAwayMessage): void;
}

/** The core, registered like any feature: channels or RPC add their own beside these four. */
export function coreFeatures(host: CoreFeatureHost): ClientFeature[] {
  const { delivery, heartbeat } = host;
  return [
    { name: 'handshake', handlers: { welcome: (m) => host.welcome(m) } },
    {
      name: 'delivery',
      handlers: {
        msg: (m) => {
          if (host.ready()) delivery.received(m);
        },
        ack: (m) => {
          if (host.ready()) delivery.acked(m.seq);
        },
      },
    },
    { name: 'heartbeat', handlers: { ping: (m) => heartbeat.ping(m), pong: (m) => heartbeat.pong(m) } },
    {
      name: 'errors',
      handlers: {
        error: (m) => {
          // A refusal names the message it refused: that send rejects instead of resolving.
          if (m.seq !== undefined && REFUSAL_CODES.has(m.code) && host.ready()) delivery.refused(m.seq, m.code, `server refused message ${m.seq}: ${m.message}`);
          host.error(m);
        },
        goaway: (m) => host.goaway(m),
      },
    },
  ];
}
