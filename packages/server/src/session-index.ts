// The sessions of each identity (or remote address), oldest first: what the per-identity and per-address caps count.

import type { LiveSession } from './session.js';

/**
 * An index beside the session registry, keyed by `keyOf` (the identity, or the principal of an
 * anonymous session): a session is added when this node starts holding it and removed when it stops.
 * Each key's sessions are in arrival order, so the first detached one is the oldest.
 */
export class SessionIndex {
  private readonly byKey = new Map<string, Set<LiveSession>>();

  constructor(private readonly keyOf: (session: LiveSession) => string) {}

  add(session: LiveSession): void {
    const key = this.keyOf(session);
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(session);
  }

  delete(session: LiveSession): void {
    const key = this.keyOf(session);
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byKey.delete(key);
  }

  /** Sessions of `key` held now, attached or waiting for resume. */
  count(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  /** The oldest session of `key` without a connection, if any. */
  oldestDetached(key: string): LiveSession | undefined {
    const set = this.byKey.get(key);
    if (!set) return undefined;
    for (const session of set) if (session.state === 'detached') return session;
    return undefined;
  }
}
