// The client's channels: one subscription per channel name, routed server messages, resubscribing after every welcome.

import { TimerSlot, type Clock, type RandomSource } from '@lifeline/core';
import { ErrorCode, MAX_KEY_LENGTH, isChannelName, type Json, type StreamPosition } from '@lifeline/protocol';
import { fullJitterBackoff } from '@lifeline/socket';
import { LifelineError } from './errors.js';
import type { ClientFeature } from './features.js';
import { Subscription } from './subscription.js';

/** Options of {@link LifelineClient.subscribe}. */
export interface SubscribeOptions {
  /** Recover from this position (one saved from `subscription.position`). @default none: start from now */
  since?: StreamPosition;
}

/** What the channels need from the client. */
export interface ChannelsHost {
  readonly clock: Clock;
  readonly random: RandomSource;
  write(frame: string): boolean;
  ready(): boolean;
  publish(channel: string, data: Json, key: string | undefined): Promise<void>;
  report(error: unknown): void;
}

/** Refusals that clear by themselves: the subscription asks again after a jittered delay. */
const DEFERRED: ReadonlySet<string> = new Set([ErrorCode.SubscribeRate, ErrorCode.Unavailable]);
const RETRY = { base: 1000, cap: 30_000 } as const;

/** Owns the subscriptions of one client. */
export class ClientChannels {
  private readonly subs = new Map<string, Subscription>();
  private readonly retries = new Map<Subscription, { slot: TimerSlot; attempt: number }>();

  constructor(private readonly host: ChannelsHost) {}

  /** The subscription to `channel`: the live one if there is one, else a new one that subscribes as soon as a session is ready. */
  subscribe(channel: string, options: SubscribeOptions = {}): Subscription {
    if (!isChannelName(channel, MAX_KEY_LENGTH)) throw new TypeError(`subscribe: invalid channel name ${JSON.stringify(channel)} (A-Z a-z 0-9 _ - . : @ / = ~ +)`);
    const held = this.subs.get(channel);
    if (held) return held;
    const since = options.since;
    if (since !== undefined && (typeof since.epoch !== 'string' || !Number.isSafeInteger(since.offset) || since.offset < 0)) {
      throw new TypeError('subscribe: since must be {epoch, offset} from subscription.position');
    }
    const host = this.host;
    const sub: Subscription = new Subscription(channel, {
      write: (frame) => host.write(frame),
      ready: () => host.ready(),
      publish: (ch, data, key) => host.publish(ch, data, key),
      removed: () => this.removed(sub),
      report: (error) => host.report(error),
    }, since);
    this.subs.set(channel, sub);
    if (host.ready()) sub.request('subscribe-called');
    return sub;
  }

  /** The subscription to `channel`, if there is one. */
  get(channel: string): Subscription | undefined {
    return this.subs.get(channel);
  }

  /** Server messages of the channel protocol, and what a welcome or a close means for subscriptions. */
  feature(): ClientFeature {
    return {
      name: 'channels',
      handlers: {
        subscribed: (m) => {
          const sub = this.subs.get(m.ch);
          if (!sub || !this.host.ready()) return;
          this.stopRetry(sub);
          sub.subscribed(m);
        },
        pub: (m) => {
          if (this.host.ready()) this.subs.get(m.ch)?.publication(m);
        },
        presence: (m) => {
          if (this.host.ready()) this.subs.get(m.ch)?.snapshot(m);
        },
        join: (m) => {
          if (this.host.ready()) this.subs.get(m.ch)?.joined(m);
        },
        leave: (m) => {
          if (this.host.ready()) this.subs.get(m.ch)?.left(m);
        },
        unsub: (m) => {
          const sub = this.subs.get(m.ch);
          if (!sub || !this.host.ready()) return;
          const error = new LifelineError(m.code, `subscription to ${m.ch}: ${m.message}`);
          if (DEFERRED.has(m.code)) return this.later(sub, error);
          sub.refused(error);
        },
      },
      welcomed: () => {
        for (const sub of this.subs.values()) sub.request('subscribe');
      },
      closed: () => {
        for (const sub of this.subs.values()) sub.suspended();
        for (const r of this.retries.values()) r.slot.clear();
        this.retries.clear();
      },
    };
  }

  private later(sub: Subscription, error: LifelineError): void {
    sub.deferred(error);
    let retry = this.retries.get(sub);
    if (!retry) this.retries.set(sub, (retry = { slot: new TimerSlot(this.host.clock), attempt: 0 }));
    const delay = RETRY.base + fullJitterBackoff(retry.attempt++, RETRY, this.host.random);
    retry.slot.set(delay, () => {
      if (this.host.ready() && this.subs.get(sub.channel) === sub) sub.request('retry');
    });
  }

  private removed(sub: Subscription): void {
    if (this.subs.get(sub.channel) === sub) this.subs.delete(sub.channel);
    this.stopRetry(sub);
  }

  private stopRetry(sub: Subscription): void {
    this.retries.get(sub)?.slot.clear();
    this.retries.delete(sub);
  }
}
