// Presence from the session layer's own liveness: devices entering and leaving channels and going on- and offline, with anti-flap grace, swept.

import { attempt } from '@lifeline/core';
import { encode, type IdentityPresence, type Json, type PresenceMember } from '@lifeline/protocol';
import type { Session } from '../session-view.js';
import type { LiveSession } from '../session.js';
import type { ResolvedPresenceOptions } from './options.js';
import type { PresenceStore } from './store.js';

/** What presence needs from the engine. */
export interface PresenceDeps {
  readonly options: ResolvedPresenceOptions;
  readonly store: PresenceStore;
  readonly clock: { now(): number };
  /** Hand a presence frame to every subscriber of `channel` on every node. */
  announce(channel: string, frame: string): void;
  report(error: unknown, context: string): void;
}

/** A device's leave, waiting out the grace period. */
interface Away {
  readonly due: number;
  /** When the device went away: its last-seen time. */
  readonly at: number;
  readonly run: (at: number) => Promise<void>;
}

/**
 * A device (session) enters a channel when its subscription goes live and goes away when the
 * subscription drops: at once for an unsubscribe or an ended session, after the grace period for a
 * lost connection, so a device that is back within it (its resume subscribes again) made neither a
 * leave nor a join. The same holds overall: attached is online, detached is away. Leaves come due
 * on the engine's sweep, not on timers of their own; no heartbeat traffic is added.
 */
export class Presence {
  private readonly away = new Map<string, Away>();

  constructor(private readonly deps: PresenceDeps) {}

  /** `session`'s subscription to `channel` went live. */
  entered(session: LiveSession, channel: string): Promise<void> {
    if (this.away.delete(channelKey(channel, session.id))) return Promise.resolve();
    const { store, clock } = this.deps;
    return this.run(async () => {
      const devices = await store.join(channel, session.identity, session.id, Math.floor(clock.now()));
      this.deps.announce(channel, encode({ t: 'join', ch: channel, id: session.identity, devices }));
    }, 'presence join failed');
  }

  /** `session`'s subscription to `channel` ended: `lost` (the connection went) waits out the grace period. */
  exited(session: LiveSession, channel: string, lost: boolean): void {
    const { identity, id } = session;
    this.leave(channelKey(channel, id), lost, async (at) => {
      const devices = await this.deps.store.leave(channel, identity, id, at);
      const frame = devices > 0 ? encode({ t: 'join', ch: channel, id: identity, devices }) : encode({ t: 'leave', ch: channel, id: identity, lastSeen: at });
      this.deps.announce(channel, frame);
    });
  }

  /** A welcome attached `session`: online (or back within the grace period). */
  attached(session: LiveSession): void {
    if (this.away.delete(sessionKey(session.id))) return;
    void this.run(() => this.deps.store.connect(session.identity, session.id, Math.floor(this.deps.clock.now())), 'presence connect failed');
  }

  /** `session` lost its connection (`lost`) or ended. */
  detached(session: LiveSession, lost: boolean): void {
    const { identity, id } = session;
    this.leave(sessionKey(id), lost, (at) => this.deps.store.disconnect(identity, id, at));
  }

  /** Who is in `channel` now. */
  members(channel: string): Promise<PresenceMember[]> {
    return this.deps.store.members(channel, this.deps.options.maxSnapshot);
  }

  /** Presence of each of `ids` that `session` may see (the `$presence` request). */
  async query(session: Session, params: Json): Promise<Json> {
    const ids = isIds(params) ? params.ids : undefined;
    if (!ids) throw new TypeError('$presence takes { ids: string[] } (at most 100)');
    const { store, clock, options } = this.deps;
    const out: Record<string, Json> = {};
    for (const identity of ids) {
      if (options.visible && !(await options.visible({ session, identity }))) continue;
      const status: IdentityPresence = await store.status(identity, clock.now());
      out[identity] = { ...status };
    }
    return out;
  }

  /** Presence of one identity (the server API). */
  status(identity: string): Promise<IdentityPresence> {
    return this.deps.store.status(identity, this.deps.clock.now());
  }

  /** The sweep: leaves whose grace period is over. */
  tick(now: number): void {
    for (const [key, away] of this.away) {
      // Every grace period is the same length: the map is in due order.
      if (away.due > now) break;
      this.away.delete(key);
      void this.run(() => away.run(away.at), 'presence leave failed');
    }
    this.deps.store.sweep?.(now);
  }

  private leave(key: string, lost: boolean, run: (at: number) => Promise<void>): void {
    // Whole milliseconds: a monotonic clock has fractions, and `lastSeen` on the wire is an integer.
    const now = Math.floor(this.deps.clock.now());
    const pending = this.away.get(key);
    if (pending) this.away.delete(key);
    const at = pending?.at ?? now;
    if (lost && this.deps.options.grace > 0) {
      this.away.set(key, { due: now + this.deps.options.grace, at, run });
      return;
    }
    void this.run(() => run(at), 'presence leave failed');
  }

  private run(fn: () => Promise<void>, context: string): Promise<void> {
    return attempt(fn).catch((error: unknown) => this.deps.report(error, context));
  }
}

function channelKey(channel: string, session: string): string {
  return `${channel}\u0000${session}`;
}

function sessionKey(session: string): string {
  return `\u0000${session}`;
}

function isIds(value: Json): value is { ids: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ids = value.ids;
  return Array.isArray(ids) && ids.length <= 100 && ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 256);
}
