// A small typed event emitter whose listeners can never throw into the engine.

/** Event name → listener argument tuple. */
export type EventMap = { [event: string]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * `on()` returns an unsubscribe function. A listener that throws is reported through `onListenerError`
 * and never reaches the emitter's caller: an application bug must not take a connection or the
 * process down.
 */
export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<Listener<never[]>>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof E) => void) {}

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    // A copy per registration, so the same function registered twice unsubscribes independently.
    const entry = ((...args: E[K]) => listener(...args)) as unknown as Listener<never[]>;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<E[K]>)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
