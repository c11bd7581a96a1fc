// Where sessions live: a Map today, the boundary a shared store would plug into later.

import type { Attachable, SessionState } from './session.js';

/**
 * Session storage. The in-memory store holds live session objects (with their pending `send()`
 * promises), so a shared store is not a drop-in: it would persist the counters and the replay buffer
 * and rebuild the object on resume. This interface marks where that goes, and no further.
 */
export interface SessionStore<C extends Attachable = Attachable> {
  get(id: string): SessionState<C> | undefined;
  set(session: SessionState<C>): void;
  delete(id: string): void;
  values(): IterableIterator<SessionState<C>>;
  readonly size: number;
}

/** The default store: a Map in this process. */
export class InMemorySessionStore<C extends Attachable = Attachable> implements SessionStore<C> {
  private readonly sessions = new Map<string, SessionState<C>>();

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): SessionState<C> | undefined {
    return this.sessions.get(id);
  }

  set(session: SessionState<C>): void {
    this.sessions.set(session.id, session);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  values(): IterableIterator<SessionState<C>> {
    return this.sessions.values();
  }
}
