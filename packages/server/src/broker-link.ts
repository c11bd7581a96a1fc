// The engine's use of the broker: the broadcast topic every node hears, and this node's own topic for takeover notices.

import { attempt, decodeUtf8 } from '@lifeline/core';
import type { Broker, BrokerListener, BrokerPayload } from './broker.js';

/** The topic every engine sharing a broker subscribes to for `broadcast()`. */
export const BROADCAST_TOPIC = 'lifeline:broadcast';

/** The topic of node `node`, where other nodes tell it that they took one of its sessions over. */
export function nodeTopic(node: string): string {
  return `lifeline:node:${node}`;
}

/** What the broker link needs from the engine. */
export interface BrokerLinkDeps {
  readonly broker: Broker;
  readonly node: string;
  /** A broadcast arrived (from any node, this one included), as the data's JSON. */
  broadcast(json: string): void;
  /** Another node resumed session `id`, which this node held. */
  takenOver(id: string): void;
  report(error: unknown, context: string): void;
}

/**
 * Subscribes to the two topics an engine needs, whatever the number of sessions it holds, and
 * speaks the small notice format of the node topic: `{"t":"takeover","id":"…"}`. Payloads from the
 * broker are checked, never trusted: anything else is ignored.
 */
export class BrokerLink {
  private readonly onBroadcast: BrokerListener = (payload) => this.deps.broadcast(text(payload));
  private readonly onNotice: BrokerListener = (payload) => this.notice(text(payload));

  constructor(private readonly deps: BrokerLinkDeps) {}

  start(): void {
    this.call(() => this.deps.broker.subscribe(BROADCAST_TOPIC, this.onBroadcast), 'broker subscribe failed');
    this.call(() => this.deps.broker.subscribe(nodeTopic(this.deps.node), this.onNotice), 'broker subscribe failed');
  }

  stop(): void {
    this.call(() => this.deps.broker.unsubscribe(BROADCAST_TOPIC, this.onBroadcast), 'broker unsubscribe failed');
    this.call(() => this.deps.broker.unsubscribe(nodeTopic(this.deps.node), this.onNotice), 'broker unsubscribe failed');
  }

  /** Publish a broadcast (the data already serialised). */
  broadcast(json: string): Promise<void> {
    return this.deps.broker.publish(BROADCAST_TOPIC, json);
  }

  /** Tell `owner` that this node took session `id` over. */
  takeover(owner: string, id: string): void {
    this.call(() => this.deps.broker.publish(nodeTopic(owner), JSON.stringify({ t: 'takeover', id })), 'broker publish failed');
  }

  private notice(payload: string): void {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const { t, id } = value as { t?: unknown; id?: unknown };
    if (t === 'takeover' && typeof id === 'string') this.deps.takenOver(id);
  }

  private call(fn: () => Promise<void>, context: string): void {
    attempt(fn).catch((error: unknown) => this.deps.report(error, context));
  }
}

function text(payload: BrokerPayload): string {
  return typeof payload === 'string' ? payload : decodeUtf8(payload);
}
