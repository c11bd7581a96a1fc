// Listeners and on<type> handlers over an EventTarget, with DOM semantics and every exception routed to reportError.

import type { AbortSignalLike, AddListenerOptions, DomEvent, ListenerOptions } from './dom-types.js';

/** The options of `addEventListener`, as the DOM reads them from a boolean or a dictionary. */
export interface FlatListenerOptions {
  readonly capture: boolean;
  readonly once: boolean;
  readonly passive: boolean | undefined;
  readonly signal: AbortSignalLike | undefined;
}

/** Read `addEventListener`/`removeEventListener` options as the DOM does: a non-object means `capture`. */
export function flattenListenerOptions(options: unknown): FlatListenerOptions {
  if ((typeof options !== 'object' && typeof options !== 'function') || options === null) {
    return { capture: Boolean(options), once: false, passive: undefined, signal: undefined };
  }
  const o = options as AddListenerOptions;
  return { capture: Boolean(o.capture), once: Boolean(o.once), passive: o.passive === undefined ? undefined : Boolean(o.passive), signal: o.signal };
}

type Wrapper = (event: DomEvent) => void;

/** The EventTarget the wrappers are registered on, and where listener exceptions go. */
export interface ListenerHost {
  /** `this` of function listeners and handlers: the socket. */
  readonly target: object;
  add(type: string, wrapper: Wrapper, options: AddListenerOptions): void;
  remove(type: string, wrapper: Wrapper, options: ListenerOptions): void;
  report(error: unknown): void;
}

/**
 * The application's listeners, each registered on the host as a wrapper that reports what the
 * listener throws. It keeps the DOM's rules: a listener is identified by (type, callback, capture)
 * and added once; `once` and an aborted `signal` remove it; `handleEvent` is looked up per call.
 */
export class ListenerTable {
  private readonly wrappers = new Map<string, Map<object, Wrapper>>();

  constructor(private readonly host: ListenerHost) {}

  add(type: string, listener: unknown, options: unknown): void {
    if (listener === null || listener === undefined) return;
    if (typeof listener !== 'function' && typeof listener !== 'object') {
      throw new TypeError("Failed to execute 'addEventListener': parameter 2 is not of type 'Object'.");
    }
    const flat = flattenListenerOptions(options);
    if (flat.signal !== undefined && (typeof flat.signal !== 'object' || flat.signal === null || typeof flat.signal.addEventListener !== 'function')) {
      throw new TypeError("Failed to execute 'addEventListener': member signal is not of type 'AbortSignal'.");
    }
    if (flat.signal?.aborted) return;
    const key = `${flat.capture ? 'capture' : 'bubble'}:${type}`;
    const byListener = this.wrappers.get(key) ?? new Map<object, Wrapper>();
    if (byListener.has(listener)) return;
    // `once` and `signal` are applied here, not by the host: Node's EventTarget removes an aborted
    // listener through the overridable removeEventListener, which knows listeners, not wrappers.
    const forget = (): void => {
      if (byListener.get(listener) === wrapper) this.remove(type, listener, flat.capture);
    };
    const wrapper: Wrapper = (event) => {
      if (flat.once) forget();
      this.invoke(listener, event);
    };
    const hostOptions: AddListenerOptions = { capture: flat.capture };
    if (flat.passive !== undefined) hostOptions.passive = flat.passive;
    this.host.add(`${type}`, wrapper, hostOptions);
    byListener.set(listener, wrapper);
    this.wrappers.set(key, byListener);
    flat.signal?.addEventListener('abort', forget, { once: true });
  }

  remove(type: string, listener: unknown, options: unknown): void {
    if ((typeof listener !== 'function' && typeof listener !== 'object') || listener === null) return;
    const { capture } = flattenListenerOptions(options);
    const byListener = this.wrappers.get(`${capture ? 'capture' : 'bubble'}:${type}`);
    const wrapper = byListener?.get(listener);
    if (!byListener || !wrapper) return;
    byListener.delete(listener);
    this.host.remove(`${type}`, wrapper, { capture });
  }

  private invoke(listener: object, event: DomEvent): void {
    try {
      if (typeof listener === 'function') {
        listener.call(this.host.target, event);
        return;
      }
      const handleEvent = (listener as { handleEvent?: unknown }).handleEvent;
      if (typeof handleEvent !== 'function') throw new TypeError("The listener's handleEvent is not a function");
      handleEvent.call(listener, event);
    } catch (error) {
      this.host.report(error);
    }
  }
}

/**
 * The `on<type>` handler properties with the DOM's event-handler rules: the first non-null value
 * registers a listener at that point in the order, replacing the value keeps the position, `null`
 * removes it. A value that is neither a function nor an object reads back as `null`; an object that
 * is not callable is kept but never called. A handler returning `false` cancels the event.
 */
export class HandlerSlots {
  private readonly values = new Map<string, object>();
  private readonly wrappers = new Map<string, Wrapper>();

  constructor(private readonly host: ListenerHost) {}

  get(type: string): object | null {
    return this.values.get(type) ?? null;
  }

  set(type: string, value: unknown): void {
    const handler = typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null;
    if (handler === null) {
      const wrapper = this.wrappers.get(type);
      this.values.delete(type);
      this.wrappers.delete(type);
      if (wrapper) this.host.remove(type, wrapper, {});
      return;
    }
    this.values.set(type, handler);
    if (this.wrappers.has(type)) return;
    const wrapper: Wrapper = (event) => this.run(type, event);
    this.wrappers.set(type, wrapper);
    this.host.add(type, wrapper, {});
  }

  private run(type: string, event: DomEvent): void {
    const handler = this.values.get(type);
    if (typeof handler !== 'function') return;
    try {
      if (handler.call(this.host.target, event) === false) event.preventDefault();
    } catch (error) {
      this.host.report(error);
    }
  }
}
