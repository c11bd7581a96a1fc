// The session protocol's own messages as a feature: msg, ack, ping, pong and bye (PROTOCOL.md §2, §4, §5).

import { CloseCode, pongFrame, type ClientDataMessage } from '@lifeline/protocol';
import type { Delivery } from './delivery.js';
import type { Feature } from './features.js';
import type { Outbound } from './outbound.js';
import type { Pings } from './pings.js';
import type { LiveSession } from './session.js';
import type { Sessions } from './sessions.js';
import type { Wire } from './wire.js';

/** The parts of the engine the session messages act on. */
export interface SessionFeatureDeps {
  readonly delivery: Pick<Delivery, 'receive'>;
  readonly outbound: Pick<Outbound, 'acked'>;
  readonly sessions: Pick<Sessions, 'end'>;
  readonly wire: Pick<Wire, 'write'>;
  readonly pings: Pick<Pings, 'ponged'>;
  /** An accepted application message (no `ch`, no `call`): the engine's `message` event. */
  deliver(session: LiveSession, m: ClientDataMessage): void;
}

/** Handlers of the core session messages; every other feature registers beside it. */
export function sessionFeature(deps: SessionFeatureDeps): Feature {
  const { delivery, outbound, wire } = deps;
  return {
    name: 'session',
    handlers: {
      msg: (s, c, m) => delivery.receive(s, c, m),
      ack: (s, c, m) => outbound.acked(s, c, m.seq),
      pong: (s, c, m) => {
        deps.pings.ponged(s, c);
        if (m.ack !== undefined) outbound.acked(s, c, m.ack);
      },
      // A client probing a link it doubts (back online, visible again, awake): answer at once.
      ping: (s, c, m) => {
        if (m.ack !== undefined) outbound.acked(s, c, m.ack);
        wire.write(c, pongFrame(s.lastReceived));
      },
      bye: (s) => deps.sessions.end(s, 'bye', CloseCode.Normal, 'bye'),
    },
    kinds: { data: { apply: (s, m) => deps.deliver(s, m) } },
  };
}
