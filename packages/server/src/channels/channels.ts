// Channels as a feature: subscribe with recovery from history, fan-out of one frame per publication through the broker, client publications.

import { attempt, decodeUtf8, utf8ByteLength } from '@lifeline/core';
import { ErrorCode, encode, isChannelName, publicationFrame, publicationOffset, type ClientDataMessage, type StreamPosition, type SubscribeMessage } from '@lifeline/protocol';
import type { Broker, BrokerListener, BrokerPayload } from '../broker.js';
import type { ConnState } from '../connection.js';
import type { Feature } from '../features.js';
import { TokenBucket } from '../rate-limit.js';
import type { LiveSession } from '../session.js';
import type { Wire } from '../wire.js';
import type { ChannelPresence } from './channel-presence.js';
import type { ChannelHistory, HistoryRead } from './history.js';
import type { PublishVerdict, ResolvedChannelOptions } from './options.js';
import { Subscriber, type Room } from './subscriber.js';

/** The broker topic of channel `channel`. */
export function channelTopic(channel: string): string {
  return `lifeline:ch:${channel}`;
}

/** What the channels need from the engine. */
export interface ChannelsDeps {
  readonly options: ResolvedChannelOptions;
  readonly clock: { now(): number };
  readonly history: ChannelHistory;
  readonly broker: Broker;
  readonly wire: Pick<Wire, 'write'>;
  /** Presence of the channels that opt in. */
  readonly presence: ChannelPresence;
  report(error: unknown, context: string): void;
}


/**
 * Subscriptions belong to a connection: the client subscribes again after every welcome, with the
 * position it has, and recovers what it missed from the channel's history (all of it or, explicitly,
 * none). A node subscribes to a channel's broker topic while it has a subscriber; every publication
 * is framed once by the node that publishes it and the same string is written to every subscriber.
 */
export class Channels {
  private readonly rooms = new Map<string, Room>();
  private readonly bySession = new Map<LiveSession, Map<string, Subscriber>>();
  private readonly rates = new WeakMap<ConnState, TokenBucket>();
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Data a publish hook replaced, from its check to its application. */
  private readonly transformed = new WeakMap<ClientDataMessage, string>();

  constructor(private readonly deps: ChannelsDeps) {}

  /** The feature: `sub` and `unsub` handlers, client publications (`msg` with `ch`), and cleanup when a connection leaves. */
  feature(): Feature {
    return {
      name: 'channels',
      handlers: {
        sub: (s, c, m, now) => this.subscribe(s, c, m, now),
        unsub: (s, _c, m) => this.drop(s, m.ch),
      },
      kinds: { ch: { check: (s, m) => this.checkPublish(s, m), apply: (_s, m) => this.applyPublish(m) } },
      hooks: { detached: (s) => this.dropAll(s, true), ended: (s) => this.dropAll(s, false) },
    };
  }

  /** Channels with a subscriber on this node now. */
  get channels(): number {
    return this.rooms.size;
  }

  /** Whether a session on this node is subscribed to `channel`. */
  inUse(channel: string): boolean {
    return this.rooms.has(channel);
  }

  /** Publish `dataJson` on `channel` from this node: appended to the history, then one frame to the broker. */
  publish(channel: string, dataJson: string): Promise<StreamPosition> {
    const { history, broker, options, clock } = this.deps;
    // One chain per channel, so this node hands the broker its publications in offset order.
    const previous = this.chains.get(channel) ?? Promise.resolve();
    const next = previous.then(async () => {
      const at = await history.append(channel, dataJson, options.limitsFor(channel), clock.now());
      await broker.publish(channelTopic(channel), publicationFrame(channel, at.epoch, at.offset, dataJson));
      return at;
    });
    const tail = next.catch(() => undefined);
    this.chains.set(channel, tail);
    void tail.then(() => {
      if (this.chains.get(channel) === tail) this.chains.delete(channel);
    });
    return next;
  }

  /** End `session`'s subscription to `channel` from the server side (the client is told `unsubscribed`). */
  unsubscribe(session: LiveSession, channel: string): boolean {
    if (!this.bySession.get(session)?.has(channel)) return false;
    this.drop(session, channel);
    this.refuse(session, channel, ErrorCode.Unsubscribed, 'unsubscribed by the server');
    return true;
  }

  private subscribe(s: LiveSession, c: ConnState, m: SubscribeMessage, now: number): void {
    const { options } = this.deps;
    const ch = m.ch;
    if (!isChannelName(ch, options.maxNameLength)) return this.refuse(s, ch, ErrorCode.BadChannel, `invalid channel name (at most ${options.maxNameLength} of A-Z a-z 0-9 _ - . : @ / = ~ +)`);
    let rate = this.rates.get(c);
    if (!rate) this.rates.set(c, (rate = new TokenBucket(options.subscribeRate.perSecond, options.subscribeRate.burst, now)));
    if (!rate.take(now)) return this.refuse(s, ch, ErrorCode.SubscribeRate, 'subscribing too fast');
    const mine = this.bySession.get(s);
    // A subscribe to a channel already held starts it again (the client lost its place).
    if (mine?.has(ch)) this.drop(s, ch, true);
    else if (mine && mine.size >= options.maxChannelsPerConnection) return this.refuse(s, ch, ErrorCode.TooManyChannels, `at most ${options.maxChannelsPerConnection} channels per connection`);
    const sub = new Subscriber(s, ch);
    this.add(sub);
    const authorize = options.authorize;
    void attempt(async () => (authorize ? authorize({ session: s.view, channel: ch }) : true)).then(
      (verdict) => {
        if (!this.current(sub)) return;
        if (verdict === true) {
          sub.authorized = true;
          return this.recover(sub, m.since);
        }
        this.drop(s, ch);
        this.refuse(s, ch, ErrorCode.Forbidden, typeof verdict === 'object' && typeof verdict.refuse === 'string' ? verdict.refuse : 'subscribe refused');
      },
      (error: unknown) => {
        this.deps.report(error, 'channels.authorize threw');
        if (!this.current(sub)) return;
        this.drop(s, ch);
        this.refuse(s, ch, ErrorCode.Forbidden, 'subscribe refused');
      },
    );
  }

  /** Read what the subscriber missed once the broker feeds the channel here, then go live. */
  private recover(sub: Subscriber, since: StreamPosition | undefined): void {
    const { history, options, clock } = this.deps;
    const room = this.rooms.get(sub.channel);
    if (!room) return;
    room.ready
      .then(() => history.read(sub.channel, since, options.limitsFor(sub.channel), clock.now()))
      .then(
        (read) => {
          if (this.current(sub)) this.goLive(sub, read, since);
        },
        (error: unknown) => {
          this.deps.report(error, 'channel history read failed');
          if (!this.current(sub)) return;
          this.drop(sub.session, sub.channel);
          this.refuse(sub.session, sub.channel, ErrorCode.Unavailable, 'channel history unavailable');
        },
      );
  }

  private goLive(sub: Subscriber, read: HistoryRead, since: StreamPosition | undefined): void {
    const c = sub.session.connection;
    if (!c?.open) return;
    const { wire } = this.deps;
    const { epoch, offset } = read;
    const ch = sub.channel;
    const recovered = read.recovered === undefined ? {} : read.recovered ? { recovered: true } : { recovered: false, reason: read.reason };
    wire.write(c, encode({ t: 'subscribed', ch, epoch, offset, ...recovered }));
    // Recovered: the missed publications, then what arrived meanwhile; otherwise the client starts at `offset`.
    sub.offset = read.recovered === true && since ? since.offset : offset;
    if (read.recovered === true) {
      for (const p of read.publications) {
        if (p.offset <= sub.offset) continue;
        sub.offset = p.offset;
        wire.write(c, publicationFrame(ch, epoch, p.offset, p.data));
      }
    }
    const pending = sub.pending ?? [];
    sub.pending = undefined;
    sub.live = true;
    for (const p of pending) this.deliver(sub, p.offset, p.frame);
    this.deps.presence.entered(sub, () => this.current(sub));
  }

  /** May this client publication (`msg` with `ch`) go out? Undefined, or the code that refuses it. */
  private checkPublish(s: LiveSession, m: ClientDataMessage): ErrorCode | undefined {
    const { options } = this.deps;
    const ch = m.ch ?? '';
    if (!isChannelName(ch, options.maxNameLength)) return ErrorCode.BadChannel;
    const json = JSON.stringify(m.data);
    if (utf8ByteLength(json) > options.maxPublicationBytes) return ErrorCode.TooLarge;
    const hook = options.publish;
    if (!hook) return this.bySession.get(s)?.get(ch)?.authorized ? undefined : ErrorCode.NotSubscribed;
    let verdict: PublishVerdict;
    try {
      verdict = hook({ session: s.view, channel: ch, data: m.data });
    } catch (error) {
      this.deps.report(error, 'channels.publish threw');
      return ErrorCode.Forbidden;
    }
    if (verdict === true) return undefined;
    if (typeof verdict === 'object' && verdict !== null && 'data' in verdict) {
      const replaced: unknown = JSON.stringify(verdict.data);
      if (typeof replaced !== 'string') return ErrorCode.Forbidden;
      this.transformed.set(m, replaced);
      return undefined;
    }
    return ErrorCode.Forbidden;
  }

  private applyPublish(m: ClientDataMessage): void {
    const ch = m.ch ?? '';
    const json = this.transformed.get(m) ?? JSON.stringify(m.data);
    this.publish(ch, json).catch((error: unknown) => this.deps.report(error, 'channel publish failed'));
  }

  private add(sub: Subscriber): void {
    let mine = this.bySession.get(sub.session);
    if (!mine) this.bySession.set(sub.session, (mine = new Map()));
    mine.set(sub.channel, sub);
    let room = this.rooms.get(sub.channel);
    if (!room) {
      const subscribers = new Set<Subscriber>();
      const listener: BrokerListener = (payload) => this.fanOut(subscribers, payload);
      const topic = channelTopic(sub.channel);
      const ready = attempt(() => this.deps.broker.subscribe(topic, listener));
      room = { subscribers, listener, ready };
      this.rooms.set(sub.channel, room);
      this.deps.presence.opened(sub.channel, subscribers);
    }
    room.subscribers.add(sub);
  }

  /** End `session`'s subscription to `channel`; `lost` when its connection went (presence waits out the grace period). */
  private drop(session: LiveSession, channel: string, lost = false): void {
    const mine = this.bySession.get(session);
    const sub = mine?.get(channel);
    if (!mine || !sub) return;
    mine.delete(channel);
    if (mine.size === 0) this.bySession.delete(session);
    this.leave(sub, lost);
  }

  private dropAll(session: LiveSession, lost: boolean): void {
    const mine = this.bySession.get(session);
    if (!mine) return;
    this.bySession.delete(session);
    for (const sub of mine.values()) this.leave(sub, lost);
  }

  private leave(sub: Subscriber, lost: boolean): void {
    const room = this.rooms.get(sub.channel);
    if (!room) return;
    room.subscribers.delete(sub);
    this.deps.presence.exited(sub, lost);
    if (room.subscribers.size > 0) return;
    this.rooms.delete(sub.channel);
    this.deps.presence.closed(sub.channel);
    const topic = channelTopic(sub.channel);
    attempt(() => this.deps.broker.unsubscribe(topic, room.listener)).catch((error: unknown) => this.deps.report(error, 'broker unsubscribe failed'));
  }

  private current(sub: Subscriber): boolean {
    return this.bySession.get(sub.session)?.get(sub.channel) === sub;
  }

  private fanOut(subscribers: ReadonlySet<Subscriber>, payload: BrokerPayload): void {
    const frame = typeof payload === 'string' ? payload : decodeUtf8(payload);
    const offset = publicationOffset(frame);
    if (offset === undefined) return this.deps.report(new Error('not a publication frame'), 'ignored a broker payload on a channel topic');
    for (const sub of subscribers) {
      if (sub.live) this.deliver(sub, offset, frame);
      else sub.pending?.push({ offset, frame });
    }
  }

  private deliver(sub: Subscriber, offset: number, frame: string): void {
    if (offset <= sub.offset) return;
    sub.offset = offset;
    const c = sub.session.connection;
    if (c?.open) this.deps.wire.write(c, frame);
  }

  /** Tell the client its subscription to `channel` is not (or no longer) there. */
  private refuse(s: LiveSession, channel: string, code: ErrorCode, message: string): void {
    const c = s.connection;
    if (c?.open) this.deps.wire.write(c, encode({ t: 'unsub', ch: channel, code, message }));
  }
}
