// The broker seam: opaque payloads published by topic to every subscriber on every node, and the in-memory default.

import { logError, platform } from '@lifeline/core';

/** What crosses a broker: an encoded payload the broker never looks into. */
export type BrokerPayload = string | Uint8Array;

/** Receives the payloads published on a topic it subscribed to. */
export type BrokerListener = (payload: BrokerPayload, topic: string) => void;

/**
 * Fan-out between nodes. The engine subscribes to the few topics its own process needs (the
 * broadcast topic, its node topic) and publishes encoded payloads; a Redis pub/sub broker implements
 * the same three calls. Delivery is at most once per subscriber, in publish order per topic and
 * publisher; a publisher that also subscribes receives its own payloads.
 */
export interface Broker {
  /** Hand `payload` to every subscriber of `topic`; resolves once the broker accepted it. */
  publish(topic: string, payload: BrokerPayload): Promise<void>;
  /** Start delivering `topic` to `listener`; resolves once payloads published after it will arrive. */
  subscribe(topic: string, listener: BrokerListener): Promise<void>;
  /** Stop delivering `topic` to `listener`. */
  unsubscribe(topic: string, listener: BrokerListener): Promise<void>;
}

/**
 * The default broker: topics in this process. Payloads are delivered on a microtask after
 * `publish`, never inside it, as a remote broker would; a listener that throws is reported through
 * `onListenerError` and the others still run. Share one instance between engines in one process to
 * run them as a cluster.
 */
export class InMemoryBroker implements Broker {
  private readonly topics = new Map<string, Set<BrokerListener>>();

  constructor(private readonly onListenerError: (error: unknown) => void = (error) => logError('lifeline: a broker listener threw:', error)) {}

  publish(topic: string, payload: BrokerPayload): Promise<void> {
    const listeners = this.topics.get(topic);
    if (listeners && listeners.size > 0) {
      const snapshot = [...listeners];
      platform.queueMicrotask(() => {
        for (const listener of snapshot) {
          if (!listeners.has(listener)) continue;
          try {
            listener(payload, topic);
          } catch (error) {
            this.onListenerError(error);
          }
        }
      });
    }
    return Promise.resolve();
  }

  subscribe(topic: string, listener: BrokerListener): Promise<void> {
    let listeners = this.topics.get(topic);
    if (!listeners) this.topics.set(topic, (listeners = new Set()));
    listeners.add(listener);
    return Promise.resolve();
  }

  unsubscribe(topic: string, listener: BrokerListener): Promise<void> {
    const listeners = this.topics.get(topic);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.topics.delete(topic);
    return Promise.resolve();
  }
}
