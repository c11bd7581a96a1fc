// The one typed event emitter of Lifeline: `on()` returns an unsubscribe function, listeners never throw into the caller.

/** Event name → listener argument list. */
export type EventArgs = { [event: string]: readonly unknown[] };

/** A listener of an event whose arguments are `A`. */
export type EventListener<A extends readonly unknown[]> = (...args: A) => void;

/** One registration: its own object, so the same function registered twice is two entries. */
interface Entry<A extends readonly unknown[]> {
  readonly call: EventListener<A>;
}

/**
 * Listeners by event, called in registration order. A listener that throws is handed to
 * `onListenerError` and the others still run: an application bug must never derail the state
 * machine that emitted the event. Each registration is its own entry (registering one function twice
 * calls it twice, and each returned function removes its own registration), as Node's emitter does.
 */
export class Emitter<M extends EventArgs> {
  private readonly sets: { [K in keyof M]?: Set<Entry<M[K]>> } = {};

  constructor(private readonly onListenerError: (error: unknown, event: keyof M) => void) {}

  /** Add `listener` for `event`; returns a function that removes it (idempotent). */
  on<K extends keyof M>(event: K, listener: EventListener<M[K]>): () => void {
    if (typeof listener !== 'function') throw new TypeError('lifeline: a listener must be a function');
    let set = this.sets[event];
    if (!set) this.sets[event] = set = new Set();
    const entry: Entry<M[K]> = { call: listener };
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Listeners of `event` registered now. */
  listenerCount(event: keyof M): number {
    return this.sets[event]?.size ?? 0;
  }

  /** Call every listener of `event` registered at this moment; one removed by an earlier listener is skipped. */
  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.sets[event];
    if (!set || set.size === 0) return;
    if (set.size === 1) {
      // The common case, without a snapshot: nothing registered from inside the call can run now.
      const only = set.values().next().value;
      if (only) this.invoke(only, event, args);
      return;
    }
    for (const entry of [...set]) if (set.has(entry)) this.invoke(entry, event, args);
  }

  private invoke<K extends keyof M>(entry: Entry<M[K]>, event: K, args: M[K]): void {
    try {
      entry.call(...args);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}
