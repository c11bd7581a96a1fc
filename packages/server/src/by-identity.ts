// The live sessions of each identity, oldest first: what `maxSessionsPerIdentity` counts.

import type { LiveSession } from './session.js';

/**
 * An index beside the session registry: a session is added when this node starts holding it and
 * removed when it stops. Each identity's sessions are in arrival order, so the first detached one is
 * the oldest.
 */
export class SessionsByIdentity {
  private readonly byIdentity = new Map<string, Set<LiveSession>>();

  add(session: LiveSession): void {
    let set = this.byIdentity.get(session.identity);
    if (!set) {
      set = new Set();
      this.byIdentity.set(session.identity, set);
    }
    set.add(session);
  }

  delete(session: LiveSession): void {
    const set = this.byIdentity.get(session.identity);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byIdentity.delete(session.identity);
  }

  /** Sessions of `identity` held now, attached or waiting for resume. */
  count(identity: string): number {
    return this.byIdentity.get(identity)?.size ?? 0;
  }

  /** The oldest session of `identity` without a connection, if any. */
  oldestDetached(identity: string): LiveSession | undefined {
    const set = this.byIdentity.get(identity);
    if (!set) return undefined;
    for (const session of set) if (session.state === 'detached') return session;
    return undefined;
  }
}
