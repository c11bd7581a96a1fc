// One channel subscription: its one state field and transition method, its stream position, and its publications once each, in offset order.

import { Emitter } from '@lifeline/core';
import {
  encode,
  type JoinMessage,
  type Json,
  type LeaveMessage,
  type PresenceMember,
  type PresenceMessage,
  type PublicationMessage,
  type RecoveryFailure,
  type StreamPosition,
  type SubscribedMessage,
} from '@lifeline/protocol';
import type { LifelineError } from './errors.js';

/** subscribing: asked, or asking again after a loss · subscribed: publications flow · unsubscribed: over (by the app or the server). */
export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** A state change, with why (`subscribe-called`, `subscribed`, `disconnected`, `gap`, `epoch-changed`, `unsubscribe-called`, an error code). */
export interface SubscriptionChange {
  readonly from: SubscriptionState;
  readonly to: SubscriptionState;
  readonly reason: string;
}

/** Where a publication stands in its channel's stream. */
export interface PublicationMeta {
  readonly epoch: string;
  readonly offset: number;
}

/**
 * The server took the subscription. `recovered` tells whether everything published while the client
 * was away follows (true), or could not (false, with `reason`): then the application must reload
 * what it shows from its source of truth. Absent on a first subscribe without a position.
 */
export interface SubscribedInfo {
  readonly epoch: string;
  readonly offset: number;
  readonly recovered?: boolean;
  readonly reason?: RecoveryFailure;
}

/** Events of a {@link Subscription} whose publications are `T`. */
export type SubscriptionEventMap<T extends Json = Json> = {
  /** One publication, once, in offset order. */
  publication: [data: T, meta: PublicationMeta];
  /** The server took the subscription (after every (re)subscribe: the explicit word on recovery). */
  subscribed: [info: SubscribedInfo];
  state: [change: SubscriptionChange];
  /** The server refused or ended the subscription, or a publish of it was refused. */
  error: [error: LifelineError];
  /** Presence channels: an identity came online here (its first device). */
  join: [member: PresenceMember];
  /** Presence channels: an identity's last device left (`lastSeen` unknown when a snapshot showed it gone). */
  leave: [info: { readonly id: string; readonly lastSeen?: number }];
};

/** What a subscription needs from the client that owns it. */
export interface SubscriptionHost {
  /** Write one frame when a session is ready; false otherwise (the subscription asks again on the next welcome). */
  write(frame: string): boolean;
  ready(): boolean;
  /** Publish `data` on the channel through the session (acknowledged, exactly once). */
  publish(channel: string, data: Json, key: string | undefined): Promise<void>;
  /** The subscription is over: forget it. */
  removed(): void;
  report(error: unknown): void;
}

/**
 * A subscription to one channel. It subscribes again by itself after every reconnect, from the
 * position it has, and delivers every publication once and in offset order; a publication that
 * skips ahead makes it ask again from its position, so a gap is recovered or reported, never silent.
 */
export class Subscription<T extends Json = Json> {
  private current: SubscriptionState = 'subscribing';
  private epoch: string | undefined;
  private offset = 0;
  private readonly present = new Map<string, number>();
  private readonly events: Emitter<SubscriptionEventMap<T>>;

  constructor(
    readonly channel: string,
    private readonly host: SubscriptionHost,
    since: StreamPosition | undefined,
  ) {
    this.events = new Emitter((error) => host.report(error));
    if (since) {
      this.epoch = since.epoch;
      this.offset = since.offset;
    }
  }

  get state(): SubscriptionState {
    return this.current;
  }

  /** The last publication delivered (or the position the server gave), for a later `subscribe(name, { since })`. */
  get position(): StreamPosition | undefined {
    return this.epoch === undefined ? undefined : { epoch: this.epoch, offset: this.offset };
  }

  /** Presence channels: who is here, by identity, with their device counts (as of the last snapshot and events). */
  get members(): readonly PresenceMember[] {
    return [...this.present].map(([id, devices]) => ({ id, devices }));
  }

  /** Listen to `type`; returns a function that removes the listener. */
  on<K extends keyof SubscriptionEventMap<T>>(type: K, listener: (...args: SubscriptionEventMap<T>[K]) => void): () => void {
    return this.events.on(type, listener);
  }

  /**
   * Publish `data` on this channel. Resolves once the server acknowledged it (it went out to the
   * channel once); rejects with `not-subscribed`, `forbidden`, `too-large` or `bad-channel` when the
   * server refused it, or as `send()` rejects. Under the default server policy only subscribers may
   * publish: publish once `subscribed`.
   */
  publish(data: T, options: { key?: string } = {}): Promise<void> {
    return this.host.publish(this.channel, data, options.key);
  }

  /** End the subscription (the server is told when a session is ready). Idempotent. */
  unsubscribe(): void {
    if (this.current === 'unsubscribed') return;
    if (this.host.ready()) this.host.write(encode({ t: 'unsub', ch: this.channel }));
    this.end('unsubscribe-called');
  }

  // ---- driven by the client's channel feature -------------------------------------------------

  /** Ask the server (after a welcome, or again after a gap), from the position held. */
  request(reason: string): void {
    if (this.current === 'unsubscribed') return;
    this.transition('subscribing', reason);
    const since = this.position;
    this.host.write(encode(since ? { t: 'sub', ch: this.channel, since } : { t: 'sub', ch: this.channel }));
  }

  /** The link went down: publications stop until the next welcome. */
  suspended(): void {
    if (this.current === 'subscribed') this.transition('subscribing', 'disconnected');
  }

  subscribed(m: SubscribedMessage): void {
    if (this.current !== 'subscribing') return;
    // Recovered: the missed publications follow from our offset; otherwise we start at the server's.
    if (m.recovered !== true) this.offset = m.offset;
    this.epoch = m.epoch;
    this.transition('subscribed', m.recovered === false ? (m.reason ?? 'not-recovered') : 'subscribed');
    const info: SubscribedInfo = { epoch: m.epoch, offset: m.offset, ...(m.recovered !== undefined ? { recovered: m.recovered } : {}), ...(m.reason ? { reason: m.reason } : {}) };
    this.events.emit('subscribed', info);
  }

  publication(m: PublicationMessage): void {
    if (this.current !== 'subscribed') return;
    if (m.epoch !== this.epoch) return this.request('epoch-changed');
    if (m.offset <= this.offset) return;
    if (m.offset > this.offset + 1) return this.request('gap');
    this.offset = m.offset;
    // The schema types the channel's payload; what arrives is the server's JSON as published.
    this.events.emit('publication', m.data as T, { epoch: m.epoch, offset: m.offset });
  }

  /** A snapshot of who is here: joins and leaves for what changed since the last view. */
  snapshot(m: PresenceMessage): void {
    if (this.current !== 'subscribed') return;
    const next = new Map(m.members.map((member) => [member.id, member.devices]));
    for (const id of [...this.present.keys()]) {
      if (next.has(id)) continue;
      this.present.delete(id);
      this.events.emit('leave', { id });
    }
    for (const [id, devices] of next) this.joined({ t: 'join', ch: m.ch, id, devices });
  }

  joined(m: JoinMessage): void {
    if (this.current !== 'subscribed') return;
    const known = this.present.has(m.id);
    this.present.set(m.id, m.devices);
    if (!known) this.events.emit('join', { id: m.id, devices: m.devices });
  }

  left(m: LeaveMessage): void {
    if (this.current !== 'subscribed' || !this.present.delete(m.id)) return;
    this.events.emit('leave', { id: m.id, lastSeen: m.lastSeen });
  }

  /** The server refused or ended it: over, with the error. */
  refused(error: LifelineError): void {
    if (this.current === 'unsubscribed') return;
    this.end(error.code);
    this.events.emit('error', error);
  }

  /** A refusal worth another try later (too fast, history unavailable): still subscribing. */
  deferred(error: LifelineError): void {
    this.events.emit('error', error);
  }

  private end(reason: string): void {
    this.transition('unsubscribed', reason);
    this.host.removed();
  }

  private transition(to: SubscriptionState, reason: string): void {
    const from = this.current;
    if (from === to && to !== 'subscribing') return;
    this.current = to;
    if (from !== to) this.events.emit('state', { from, to, reason });
  }
}
