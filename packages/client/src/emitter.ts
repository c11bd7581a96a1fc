// A typed listener registry whose `on()` returns an unsubscribe function and survives throwing listeners.

/** Listener argument lists by event name. */
export type EventArgs = Record<string, readonly unknown[]>;

/**
 * Listeners by event. A listener that throws is handed to `report`; the others still run and the
 * caller (the client's state machine) never sees the exception.
 */
export class Emitter<M extends EventArgs> {
  private readonly sets: { [K in keyof M]?: Set<(...args: M[K]) => void> } = {};

  constructor(private readonly report: (error: unknown) => void) {}

  /** Add `listener` for `type`; returns a function that removes it (idempotent). */
  on<K extends keyof M>(type: K, listener: (...args: M[K]) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('LifelineClient: a listener must be a function');
    let set = this.sets[type];
    if (!set) this.sets[type] = set = new Set();
    set.add(listener);
    return () => void this.sets[type]?.delete(listener);
  }

  /** Call every listener of `type` registered now, in order of registration. */
  emit<K extends keyof M>(type: K, ...args: M[K]): void {
    const set = this.sets[type];
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      if (!set.has(listener)) continue;
      try {
        listener(...args);
      } catch (error) {
        this.report(error);
      }
    }
  }
}
