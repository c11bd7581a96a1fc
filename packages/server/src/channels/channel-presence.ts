// Presence of the channels that opt in: the presence topic per channel, a snapshot to each new subscriber, joins and leaves to every subscriber.

import { attempt, decodeUtf8 } from '@lifeline/core';
import { encode } from '@lifeline/protocol';
import type { Broker, BrokerListener, BrokerPayload } from '../broker.js';
import type { Presence } from '../presence/presence.js';
import type { LiveSession } from '../session.js';
import type { Wire } from '../wire.js';

/** The broker topic of the presence events of channel `channel`. */
export function presenceTopic(channel: string): string {
  return `lifeline:presence:${channel}`;
}

/** What channel presence sees of a subscriber. */
export interface PresenceSubscriber {
  readonly session: LiveSession;
  readonly channel: string;
  readonly live: boolean;
}

/** What channel presence needs from the engine. */
export interface ChannelPresenceDeps {
  readonly presence: Presence;
  readonly broker: Broker;
  readonly wire: Pick<Wire, 'write'>;
  /** Whether `channel` has presence. */
  enabled(channel: string): boolean;
  report(error: unknown, context: string): void;
}

/**
 * A node listens to a presence channel's presence topic while it has subscribers there. A new
 * subscriber gets the snapshot once its subscription is live; joins and leaves that arrive before
 * the snapshot is written wait behind it, so a client never applies an event older than its snapshot.
 */
export class ChannelPresence {
  private readonly listeners = new Map<string, BrokerListener>();
  /** Subscribers whose snapshot is on its way, with the events that arrived meanwhile. */
  private readonly waiting = new WeakMap<PresenceSubscriber, string[]>();

  constructor(private readonly deps: ChannelPresenceDeps) {}

  /** The first subscriber of `channel` on this node. */
  opened(channel: string, subscribers: ReadonlySet<PresenceSubscriber>): void {
    if (!this.deps.enabled(channel)) return;
    const listener: BrokerListener = (payload) => this.fanOut(subscribers, payload);
    this.listeners.set(channel, listener);
    this.call(() => this.deps.broker.subscribe(presenceTopic(channel), listener), 'broker subscribe failed');
  }

  /** The last subscriber of `channel` on this node left. */
  closed(channel: string): void {
    const listener = this.listeners.get(channel);
    if (!listener) return;
    this.listeners.delete(channel);
    this.call(() => this.deps.broker.unsubscribe(presenceTopic(channel), listener), 'broker unsubscribe failed');
  }

  /** `sub` went live: its device enters, then it gets the snapshot (and what waited behind it). */
  entered(sub: PresenceSubscriber, current: () => boolean): void {
    if (!this.listeners.has(sub.channel)) return;
    const { presence, wire } = this.deps;
    this.waiting.set(sub, []);
    void presence
      .entered(sub.session, sub.channel)
      .then(() => presence.members(sub.channel))
      .then(
        (members) => {
          const queued = this.waiting.get(sub) ?? [];
          this.waiting.delete(sub);
          const c = sub.session.connection;
          if (!current() || !c?.open) return;
          wire.write(c, encode({ t: 'presence', ch: sub.channel, members }));
          for (const frame of queued) wire.write(c, frame);
        },
        (error: unknown) => {
          this.waiting.delete(sub);
          this.deps.report(error, 'presence snapshot failed');
        },
      );
  }

  /** `sub` ended (`lost`: its connection went, so its device may be back within the grace period). */
  exited(sub: PresenceSubscriber, lost: boolean): void {
    this.waiting.delete(sub);
    if (sub.live && this.deps.enabled(sub.channel)) this.deps.presence.exited(sub.session, sub.channel, lost);
  }

  /** Announce a presence event of `channel` to its subscribers on every node. */
  announce(channel: string, frame: string): void {
    this.call(() => this.deps.broker.publish(presenceTopic(channel), frame), 'broker publish failed');
  }

  private fanOut(subscribers: ReadonlySet<PresenceSubscriber>, payload: BrokerPayload): void {
    const frame = typeof payload === 'string' ? payload : decodeUtf8(payload);
    for (const sub of subscribers) {
      if (!sub.live) continue;
      const queued = this.waiting.get(sub);
      if (queued) {
        queued.push(frame);
        continue;
      }
      const c = sub.session.connection;
      if (c?.open) this.deps.wire.write(c, frame);
    }
  }

  private call(fn: () => Promise<void>, context: string): void {
    attempt(fn).catch((error: unknown) => this.deps.report(error, context));
  }
}
