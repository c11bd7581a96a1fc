// The fallback Event and EventTarget (platforms without them) follow the DOM's dispatch rules; the platform's classes are preferred.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FallbackEvent, FallbackEventTarget } from '../src/fallback-events.js';
import { PLATFORM_EVENTS, platformEvents } from '../src/platform-events.js';

describe('platformEvents', () => {
  it("uses the platform's classes where they exist (Node 20: all but CloseEvent)", () => {
    assert.equal(PLATFORM_EVENTS.native, true);
    assert.equal(PLATFORM_EVENTS.EventTarget, EventTarget);
    assert.equal(PLATFORM_EVENTS.MessageEvent, MessageEvent);
    const close = new PLATFORM_EVENTS.CloseEvent('close', { code: 1005, reason: 'r', wasClean: true });
    assert.ok(close instanceof Event);
    assert.deepEqual([close.type, close.code, close.reason, close.wasClean], ['close', 1005, 'r', true]);
  });

  it("falls back as a set when the platform's EventTarget cannot dispatch its Event (a test DOM replaced Event alone)", () => {
    class ForeignEvent {
      constructor(readonly type: string) {}
    }
    const events = platformEvents({ EventTarget, Event: ForeignEvent, MessageEvent });
    assert.equal(events.native, false);
    assert.equal(events.Event, FallbackEvent);
    const mixed = platformEvents({ EventTarget, Event, MessageEvent: ForeignEvent });
    assert.equal(mixed.native, true);
    assert.ok(new mixed.MessageEvent('message', { data: 1 }) instanceof Event, 'a subclass of the platform Event instead');
  });

  it('falls back as a set when the platform lacks Event or EventTarget', () => {
    const events = platformEvents({ Event, MessageEvent });
    assert.equal(events.native, false);
    assert.equal(events.EventTarget, FallbackEventTarget);
    const message = new events.MessageEvent('message', { data: 'x', origin: 'ws://h' });
    assert.ok(message instanceof FallbackEvent);
    assert.deepEqual([message.data, message.origin, message.lastEventId, message.source, message.ports], ['x', 'ws://h', '', null, []]);
  });
});

describe('FallbackEventTarget', () => {
  it('dedupes by (type, callback, capture), honours once and signal, runs capture listeners first', () => {
    const target = new FallbackEventTarget();
    const seen: string[] = [];
    const fn = () => seen.push('fn');
    const controller = new AbortController();
    target.addEventListener('x', fn);
    target.addEventListener('x', fn);
    target.addEventListener('x', () => seen.push('capture'), true);
    target.addEventListener('x', () => seen.push('once'), { once: true });
    target.addEventListener('x', () => seen.push('signal'), { signal: controller.signal });
    target.addEventListener('x', { handleEvent: () => seen.push('object') });
    target.dispatchEvent(new FallbackEvent('x'));
    controller.abort();
    target.removeEventListener('x', fn);
    target.dispatchEvent(new FallbackEvent('x'));
    assert.deepEqual(seen, ['capture', 'fn', 'once', 'signal', 'object', 'capture', 'object']);
  });

  it('sets target, currentTarget and phase during dispatch only; stopImmediatePropagation ends it', () => {
    const target = new FallbackEventTarget();
    const event = new FallbackEvent('x', { cancelable: true });
    const during: unknown[] = [];
    target.addEventListener('x', (e) => {
      during.push(e.target === target, e.currentTarget === target, e.eventPhase);
      e.preventDefault();
      e.stopImmediatePropagation();
    });
    target.addEventListener('x', () => during.push('not reached'));
    assert.equal(target.dispatchEvent(event), false);
    assert.deepEqual(during, [true, true, 2]);
    assert.deepEqual([event.target === target, event.currentTarget, event.eventPhase, event.defaultPrevented], [true, null, 0, true]);
    assert.throws(() => target.dispatchEvent({ type: 'x' } as unknown as Event), TypeError);
  });

  it('reports a throwing listener and runs the others', () => {
    const reported: unknown[] = [];
    class Reporting extends FallbackEventTarget {
      protected override report(error: unknown): void {
        reported.push(error);
      }
    }
    const target = new Reporting();
    let after = false;
    target.addEventListener('x', () => {
      throw new Error('bug');
    });
    target.addEventListener('x', () => (after = true));
    target.dispatchEvent(new FallbackEvent('x'));
    assert.equal(after, true);
    assert.equal(reported.length, 1);
  });
});
