// The DOM's event shapes restated without the DOM lib, so the socket types fit where lib.dom's are expected.

/**
 * What `MessageEvent.data` is in lib.dom: `any`, so that code written for `WebSocket`
 * (`JSON.parse(e.data)`, `e.data.byteLength`) compiles unchanged against a `LifelineSocket`. At
 * runtime it is what the transport delivered: a string, or a `Blob`/`ArrayBuffer` per `binaryType`.
 * The package's one `any`, on purpose: the drop-in promise includes the types.
 */
export type MessageData = any;

/** The `binaryType` values of the WebSocket API (a transport may add its own, e.g. `ws`'s 'nodebuffer'). */
export type BinaryType = 'blob' | 'arraybuffer';

/** lib.dom's `Event`, member for member. */
export interface DomEvent {
  readonly bubbles: boolean;
  cancelBubble: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly currentTarget: DomEventTarget | null;
  readonly defaultPrevented: boolean;
  readonly eventPhase: number;
  readonly isTrusted: boolean;
  returnValue: boolean;
  readonly srcElement: DomEventTarget | null;
  readonly target: DomEventTarget | null;
  readonly timeStamp: number;
  readonly type: string;
  composedPath(): DomEventTarget[];
  initEvent(type: string, bubbles?: boolean, cancelable?: boolean): void;
  preventDefault(): void;
  stopImmediatePropagation(): void;
  stopPropagation(): void;
  readonly NONE: 0;
  readonly CAPTURING_PHASE: 1;
  readonly AT_TARGET: 2;
  readonly BUBBLING_PHASE: 3;
}

/** lib.dom's `EventInit`. */
export interface DomEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** A listener: a function or, as in the DOM, an object with `handleEvent`. */
export type Listener<E> = ((event: E) => void) | { handleEvent(event: E): void };

/** The part of lib.dom's `AbortSignal` that listener registration uses. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
}

/** lib.dom's `EventListenerOptions`. */
export interface ListenerOptions {
  capture?: boolean;
}

/** lib.dom's `AddEventListenerOptions`. */
export interface AddListenerOptions extends ListenerOptions {
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignalLike;
}

/** lib.dom's `EventTarget`. */
export interface DomEventTarget {
  addEventListener(type: string, callback: Listener<DomEvent> | null, options?: AddListenerOptions | boolean): void;
  dispatchEvent(event: DomEvent): boolean;
  removeEventListener(type: string, callback: Listener<DomEvent> | null, options?: ListenerOptions | boolean): void;
}

/** A constructor of {@link DomEventTarget}s (the platform's `EventTarget`, or the fallback). */
export type EventTargetConstructor = new () => DomEventTarget;

/** A constructor of {@link DomEvent}s (the platform's `Event`, or the fallback). */
export type EventConstructor = new (type: string, init?: DomEventInit) => DomEvent;
