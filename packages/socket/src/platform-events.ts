// The event classes the socket dispatches: the platform's EventTarget, Event, MessageEvent and CloseEvent where it has them.

import type { DomEvent, DomEventInit, EventConstructor, EventTargetConstructor, MessageData } from './dom-types.js';
import { FallbackEvent, FallbackEventTarget } from './fallback-events.js';

/** lib.dom's `MessageEventInit`, as far as a socket fills it. */
export interface MessageEventInitLike extends DomEventInit {
  data?: MessageData;
  origin?: string;
  lastEventId?: string;
}

/** lib.dom's `CloseEventInit`. */
export interface CloseEventInitLike extends DomEventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

/** What a `MessageEvent` of a WebSocket carries (no `source`, no `ports`). */
export interface MessageEventShape extends DomEvent {
  readonly data: MessageData;
  readonly origin: string;
  readonly lastEventId: string;
  readonly source: null;
  readonly ports: readonly never[];
}

/** What a `CloseEvent` carries. */
export interface CloseEventShape extends DomEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export type MessageEventConstructor = new (type: string, init?: MessageEventInitLike) => MessageEventShape;
export type CloseEventConstructor = new (type: string, init?: CloseEventInitLike) => CloseEventShape;

/** One consistent set of event classes: all the platform's, or (where it lacks Event or EventTarget) the fallbacks. */
export interface PlatformEvents {
  /** Whether these are the platform's own `EventTarget` and `Event`. */
  readonly native: boolean;
  readonly EventTarget: EventTargetConstructor;
  readonly Event: EventConstructor;
  readonly MessageEvent: MessageEventConstructor;
  readonly CloseEvent: CloseEventConstructor;
}

interface EventGlobals {
  EventTarget?: unknown;
  Event?: unknown;
  MessageEvent?: unknown;
  CloseEvent?: unknown;
}

/** Whether `Target` dispatches what `make` builds (a DOM shim may replace `Event` but not `EventTarget`). */
function dispatches(Target: unknown, make: () => DomEvent): boolean {
  try {
    new (Target as EventTargetConstructor)().dispatchEvent(make());
    return true;
  } catch {
    return false;
  }
}

/**
 * Pick the event classes from `globals`. A platform `EventTarget` only dispatches its own realm's
 * events, so both come from the platform, if they work together, or both from the fallbacks (a test
 * DOM such as happy-dom may replace `Event` alone). A missing or foreign `MessageEvent` or
 * `CloseEvent` (Node 20 has no `CloseEvent`) is a subclass of the chosen `Event`.
 */
export function platformEvents(globals: object): PlatformEvents {
  const g = globals as EventGlobals;
  const native = typeof g.EventTarget === 'function' && typeof g.Event === 'function' && dispatches(g.EventTarget, () => new (g.Event as EventConstructor)('probe'));
  const EventBase = native ? (g.Event as EventConstructor) : FallbackEvent;
  const own = <C extends new (type: string) => DomEvent>(candidate: unknown): candidate is C =>
    native && typeof candidate === 'function' && dispatches(g.EventTarget, () => new (candidate as C)('probe'));
  return {
    native,
    EventTarget: native ? (g.EventTarget as EventTargetConstructor) : FallbackEventTarget,
    Event: EventBase,
    MessageEvent: own<MessageEventConstructor>(g.MessageEvent) ? g.MessageEvent : messageEventClass(EventBase),
    CloseEvent: own<CloseEventConstructor>(g.CloseEvent) ? g.CloseEvent : closeEventClass(EventBase),
  };
}

function messageEventClass(Base: EventConstructor): MessageEventConstructor {
  return class MessageEvent extends Base implements MessageEventShape {
    readonly data: MessageData;
    readonly origin: string;
    readonly lastEventId: string;
    readonly source = null;
    readonly ports: readonly never[] = Object.freeze([]);

    constructor(type: string, init: MessageEventInitLike = {}) {
      super(type, init);
      this.data = init.data ?? null;
      this.origin = `${init.origin ?? ''}`;
      this.lastEventId = `${init.lastEventId ?? ''}`;
    }
  };
}

function closeEventClass(Base: EventConstructor): CloseEventConstructor {
  return class CloseEvent extends Base implements CloseEventShape {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;

    constructor(type: string, init: CloseEventInitLike = {}) {
      super(type, init);
      this.code = init.code ?? 0;
      this.reason = `${init.reason ?? ''}`;
      this.wasClean = Boolean(init.wasClean);
    }
  };
}

/** The classes of this platform, chosen once at load. */
export const PLATFORM_EVENTS: PlatformEvents = platformEvents(globalThis);
