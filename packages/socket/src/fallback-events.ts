// Minimal Event and EventTarget for platforms that lack them (React Native, mini-programs), with DOM dispatch semantics.

import type { AddListenerOptions, DomEvent, DomEventInit, DomEventTarget, Listener, ListenerOptions } from './dom-types.js';
import { invalidStateError } from './errors.js';
import { flattenListenerOptions } from './listeners.js';
import { defaultReportError } from './report-error.js';

interface DispatchState {
  target: DomEventTarget | null;
  current: DomEventTarget | null;
  phase: 0 | 1 | 2 | 3;
  dispatching: boolean;
  stopped: boolean;
  stoppedImmediately: boolean;
  canceled: boolean;
}

// Only FallbackEventTarget may set where an event is; a WeakMap keeps that out of the public shape.
const states = new WeakMap<FallbackEvent, DispatchState>();

function stateOf(event: FallbackEvent): DispatchState {
  const state = states.get(event);
  if (!state) throw new TypeError('Illegal invocation');
  return state;
}

function now(): number {
  const perf = (globalThis as { performance?: { now?: () => number } }).performance;
  return typeof perf?.now === 'function' ? perf.now() : Date.now();
}

/** An `Event` for a single target (no tree): what the socket dispatches where the platform has none. */
export class FallbackEvent implements DomEvent {
  readonly type: string;
  readonly bubbles: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly isTrusted = false;
  readonly timeStamp = now();
  readonly NONE = 0;
  readonly CAPTURING_PHASE = 1;
  readonly AT_TARGET = 2;
  readonly BUBBLING_PHASE = 3;

  constructor(type: string, init: DomEventInit = {}) {
    this.type = `${type}`;
    this.bubbles = Boolean(init.bubbles);
    this.cancelable = Boolean(init.cancelable);
    this.composed = Boolean(init.composed);
    states.set(this, { target: null, current: null, phase: 0, dispatching: false, stopped: false, stoppedImmediately: false, canceled: false });
  }

  get target(): DomEventTarget | null {
    return stateOf(this).target;
  }
  get srcElement(): DomEventTarget | null {
    return stateOf(this).target;
  }
  get currentTarget(): DomEventTarget | null {
    return stateOf(this).current;
  }
  get eventPhase(): number {
    return stateOf(this).phase;
  }
  get defaultPrevented(): boolean {
    return stateOf(this).canceled;
  }
  get returnValue(): boolean {
    return !stateOf(this).canceled;
  }
  set returnValue(value: boolean) {
    if (!value) this.preventDefault();
  }
  get cancelBubble(): boolean {
    return stateOf(this).stopped;
  }
  set cancelBubble(value: boolean) {
    if (value) stateOf(this).stopped = true;
  }
  composedPath(): DomEventTarget[] {
    const { current } = stateOf(this);
    return current ? [current] : [];
  }
  initEvent(): void {
    // Legacy; `type` and the flags are fixed at construction here.
  }
  preventDefault(): void {
    if (this.cancelable) stateOf(this).canceled = true;
  }
  stopPropagation(): void {
    stateOf(this).stopped = true;
  }
  stopImmediatePropagation(): void {
    const state = stateOf(this);
    state.stopped = true;
    state.stoppedImmediately = true;
  }
}

interface Entry {
  readonly callback: Listener<DomEvent>;
  readonly capture: boolean;
  readonly once: boolean;
  removed: boolean;
}

/**
 * An `EventTarget` with the DOM's rules for one target: a listener is identified by (type, callback,
 * capture) and added once; `once` and `signal` remove it; at the target, capture listeners run
 * before the others; `stopImmediatePropagation` ends the dispatch. A listener that throws is
 * reported (see `report`) and the others still run.
 */
export class FallbackEventTarget implements DomEventTarget {
  readonly #listeners = new Map<string, Entry[]>();

  /** Where exceptions thrown by listeners go. @default defaultReportError */
  protected report(error: unknown): void {
    defaultReportError(error);
  }

  addEventListener(type: string, callback: Listener<DomEvent> | null, options?: AddListenerOptions | boolean): void {
    if (callback === null || callback === undefined) return;
    const { capture, once, signal } = flattenListenerOptions(options);
    if (signal?.aborted) return;
    const key = `${type}`;
    const list = this.#listeners.get(key) ?? [];
    if (list.some((e) => e.callback === callback && e.capture === capture)) return;
    list.push({ callback, capture, once, removed: false });
    this.#listeners.set(key, list);
    signal?.addEventListener('abort', () => this.removeEventListener(key, callback, { capture }), { once: true });
  }

  removeEventListener(type: string, callback: Listener<DomEvent> | null, options?: ListenerOptions | boolean): void {
    const { capture } = flattenListenerOptions(options);
    const list = this.#listeners.get(`${type}`);
    const index = list?.findIndex((e) => e.callback === callback && e.capture === capture) ?? -1;
    const entry = list?.[index];
    if (!list || !entry) return;
    entry.removed = true;
    list.splice(index, 1);
  }

  dispatchEvent(event: DomEvent): boolean {
    if (!(event instanceof FallbackEvent)) throw new TypeError("Failed to execute 'dispatchEvent': parameter 1 is not of type 'Event'.");
    const state = stateOf(event);
    if (state.dispatching) throw invalidStateError("Failed to execute 'dispatchEvent': The event is already being dispatched.");
    Object.assign(state, { dispatching: true, target: this, current: this, phase: 2 });
    const snapshot = [...(this.#listeners.get(event.type) ?? [])];
    // At the target the capturing pass comes first: capture listeners, then the others.
    for (const capturePass of [true, false]) {
      if (state.stopped) break;
      for (const entry of snapshot) {
        if (entry.removed || entry.capture !== capturePass) continue;
        if (entry.once) this.removeEventListener(event.type, entry.callback, { capture: entry.capture });
        this.invoke(entry.callback, event);
        if (state.stoppedImmediately) break;
      }
    }
    Object.assign(state, { dispatching: false, current: null, phase: 0, stopped: false, stoppedImmediately: false });
    return !state.canceled;
  }

  private invoke(callback: Listener<DomEvent>, event: DomEvent): void {
    try {
      if (typeof callback === 'function') callback.call(this, event);
      else callback.handleEvent(event);
    } catch (error) {
      this.report(error);
    }
  }
}
