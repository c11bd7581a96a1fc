// One channel's state as a snapshot: the subscription's events folded into one object, replaced on every change, shared by every component on the channel.

import type { LifelineError, PublicationMeta, SubscribedInfo, Subscription, SubscriptionState } from '../index.js';
import type { Json, PresenceMember, StreamPosition } from '@lifeline/protocol';

/** One publication with where it stands in the channel's stream. */
export interface Publication<T extends Json = Json> {
  readonly data: T;
  readonly meta: PublicationMeta;
}

/** Who is on a presence channel. Replaced only when it changes. */
export interface PresenceSnapshot {
  /** Identities here now, with their device counts (the subscription's `members`). */
  readonly members: readonly PresenceMember[];
  /** When each identity that left while we watched was last seen (ms since the epoch); dropped when it joins again. */
  readonly lastSeen: Readonly<Record<string, number>>;
}

/** What a component sees of a channel. Replaced as a whole when anything in it changes. */
export interface ChannelSnapshot<T extends Json = Json> {
  readonly state: SubscriptionState;
  /** The last publication delivered (or the position the server gave), for a later `subscribe(name, { since })`. */
  readonly position: StreamPosition | undefined;
  /** The last publication delivered on this subscription, to any component. @default undefined until one arrives */
  readonly last: Publication<T> | undefined;
  /** The last `subscribed` word: `recovered: false` means publications were missed (reload from the source of truth). */
  readonly subscribed: SubscribedInfo | undefined;
  /** The last error of the subscription (a refusal ends it: `state` is then `unsubscribed`). */
  readonly error: LifelineError | undefined;
  readonly presence: PresenceSnapshot;
}

const NO_PRESENCE: PresenceSnapshot = Object.freeze({ members: Object.freeze([]), lastSeen: Object.freeze({}) });

/** The snapshot of a channel nobody holds yet: what a component renders before its subscription exists. */
export const INITIAL_CHANNEL: ChannelSnapshot<never> = Object.freeze({
  state: 'subscribing',
  position: undefined,
  last: undefined,
  subscribed: undefined,
  error: undefined,
  presence: NO_PRESENCE,
});

function sameMembers(a: readonly PresenceMember[], b: readonly PresenceMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.id === b[i]?.id && m.devices === b[i]?.devices);
}

/**
 * Folds one {@link Subscription}'s events into {@link ChannelSnapshot}s. The binding's registry
 * makes one per live subscription and disposes of it when the last component lets go.
 */
export class ChannelStore<T extends Json = Json> {
  private readonly listeners = new Set<() => void>();
  private readonly offs: Array<() => void>;
  private current: ChannelSnapshot<T>;

  constructor(readonly subscription: Subscription<T>) {
    const sub = subscription;
    this.current = Object.freeze({ ...INITIAL_CHANNEL, state: sub.state, position: sub.position });
    this.offs = [
      sub.on('publication', (data, meta) => this.set({ last: Object.freeze({ data, meta }) })),
      sub.on('subscribed', (info) => this.set({ subscribed: info })),
      sub.on('state', () => this.set({})),
      sub.on('error', (error) => this.set({ error })),
      sub.on('join', (member) => this.set({ presence: this.presence(member.id, undefined) })),
      sub.on('leave', (info) => this.set({ presence: this.presence(info.id, info.lastSeen) })),
    ];
    // A subscription already held (made outside the binding) may have members.
    if (sub.members.length > 0) this.current = this.next({ presence: this.presence(undefined, undefined) });
  }

  /** The current snapshot: the same object as long as nothing in it changed. */
  readonly getSnapshot = (): ChannelSnapshot<T> => this.current;

  /** Call `listener` after every change; returns the function that stops it (idempotent). */
  listen(listener: () => void): () => void {
    const entry = (): void => listener();
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Stop listening to the subscription (the registry unsubscribes it). */
  dispose(): void {
    for (const off of this.offs.splice(0)) off();
    this.listeners.clear();
  }

  private set(change: Partial<ChannelSnapshot<T>>): void {
    // Device counts change without a join or leave: read the members again on every event.
    const presence = change.presence ?? this.presence(undefined, undefined);
    this.current = this.next({ ...change, presence });
    for (const listener of [...this.listeners]) listener();
  }

  private next(change: Partial<ChannelSnapshot<T>> & { presence: PresenceSnapshot }): ChannelSnapshot<T> {
    const sub = this.subscription;
    return Object.freeze({ ...this.current, state: sub.state, position: sub.position, ...change });
  }

  /** The presence part, the same object unless members or last-seen times changed; `id` joined or left (at `leftAt`, when known). */
  private presence(id: string | undefined, leftAt: number | undefined): PresenceSnapshot {
    const prev = this.current.presence;
    const members = this.subscription.members;
    let lastSeen = prev.lastSeen;
    if (id !== undefined && (leftAt !== undefined || id in lastSeen)) {
      const copy: Record<string, number> = { ...lastSeen };
      if (leftAt === undefined) delete copy[id];
      else copy[id] = leftAt;
      lastSeen = Object.freeze(copy);
    }
    if (lastSeen === prev.lastSeen && sameMembers(members, prev.members)) return prev;
    return Object.freeze({ members: Object.freeze(members), lastSeen });
  }
}
