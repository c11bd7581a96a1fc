// One session's subscription to a channel on this node, and the room of a channel's subscribers here.

import type { BrokerListener } from '../broker.js';
import type { LiveSession } from '../session.js';

/** One session's subscription to one channel on this node. Until `live`, publications wait in `pending`. */
export class Subscriber {
  /** The authorize hook allowed it (publishing to it is then allowed by default). */
  authorized = false;
  live = false;
  /** The newest offset written to the client (the client drops what it has; the server skips it too). */
  offset = 0;
  pending: Array<{ offset: number; frame: string }> | undefined = [];

  constructor(
    readonly session: LiveSession,
    readonly channel: string,
  ) {}
}

/** The subscribers of one channel on this node, and the broker subscription that feeds them. */
export interface Room {
  readonly subscribers: Set<Subscriber>;
  readonly listener: BrokerListener;
  /** Resolves once the broker delivers this channel's publications here. */
  readonly ready: Promise<void>;
}

