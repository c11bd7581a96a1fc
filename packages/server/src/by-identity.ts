// The live sessions of each identity, oldest first: what `maxSessionsPerIdentity` counts.

import type { Attachable, SessionState } from './session.js';

/**
 * An index beside the session store, kept by the engine: a session is added when it is created and
 * removed when it ends. Each identity's sessions are in creation order, so the first detached one is
 * the oldest.
 */
export class SessionsByIdentity<C extends Attachable = Attachable> {
  private readonly byIdentity = new Map<string, Set<SessionState<C>>>();

  add(session: SessionState<C>): void {
    let set = this.byIdentity.get(session.identity);
    if (!set) {
      set = new Set();
      this.byIdentity.set(session.identity, set);
    }
    set.add(session);
  }

  delete(session: SessionState<C>): void {
    const set = this.byIdentity.get(session.identity);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byIdentity.delete(session.identity);
  }

  /** Live sessions of `identity`, attached or waiting for resume. */
  count(identity: string): number {
    return this.byIdentity.get(identity)?.size ?? 0;
  }

  /** The oldest session of `identity` without a connection, if any. */
  oldestDetached(identity: string): SessionState<C> | undefined {
    const set = this.byIdentity.get(identity);
    if (!set) return undefined;
    for (const session of set) if (session.connection === undefined) return session;
    return undefined;
  }
}
