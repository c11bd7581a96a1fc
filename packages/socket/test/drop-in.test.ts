// The WebSocket API's own expectations, on fakes: URL and protocol checks, constants, handlers, events, close(), send(), binaryType.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidStateError, LifelineSocket } from '@lifeline/socket';
import { FakeTransport, FakeWebSocket } from '@lifeline/testkit';
import { parseWebSocketUrl } from '../src/api-arguments.js';
import { defaultWebSocket } from '../src/transport.js';
import { setup } from './harness.js';

const isDOMException = (name: string) => (e: unknown) => e instanceof DOMException && e.name === name;

describe('URL and protocols', () => {
  it('parses the URL as the platform does', () => {
    const base = 'https://app.test/dir/page.html';
    const cases: Array<[string, string]> = [
      ['ws://lifeline.test', 'ws://lifeline.test/'],
      ['http://lifeline.test:8080/x?y=1', 'ws://lifeline.test:8080/x?y=1'],
      ['HTTPS://Lifeline.TEST/', 'wss://lifeline.test/'],
      ['/feed', 'wss://app.test/feed'],
      ['feed', 'wss://app.test/dir/feed'],
    ];
    for (const [input, expected] of cases) assert.equal(parseWebSocketUrl(input, base), expected, input);
    for (const bad of ['ws://x/#frag', 'ws://x/#', 'ftp://x/', 'mailto:a@b', 'ws://[::1', 'relative']) {
      assert.throws(() => parseWebSocketUrl(bad, undefined), isDOMException('SyntaxError'), bad);
    }
  });

  it('reports the parsed URL and hands it to the transport', () => {
    const { socket, transport } = setup({}, 'http://lifeline.test');
    assert.equal(socket.url, 'ws://lifeline.test/');
    assert.equal(transport.last.url, 'ws://lifeline.test/');
  });

  it('throws SyntaxError from the constructor for an invalid URL or protocols, before any attempt', () => {
    const transport = new FakeTransport();
    const make = (url: string, protocols?: string | string[]) => () => new LifelineSocket(url, protocols, { WebSocket: transport.WebSocket });
    assert.throws(make('ws://x/#a'), isDOMException('SyntaxError'));
    assert.throws(make('nope'), isDOMException('SyntaxError'));
    for (const protocols of ['', 'a b', ['chat', 'chat'], ['ok', 'é'], 'a,b']) {
      assert.throws(make('ws://x/', protocols), isDOMException('SyntaxError'), JSON.stringify(protocols));
    }
    assert.equal(transport.count, 0);
    assert.throws(() => Reflect.construct(LifelineSocket, []), TypeError);
  });

  it('a url function returning an invalid URL gives up at once, without asking shouldReconnect', () => {
    let asked = 0;
    const { socket, transport, clock, take } = setup({ shouldReconnect: () => (asked++, true) }, () => 'ftp://nope/');
    assert.equal(socket.state, 'closed');
    assert.equal(transport.count, 0);
    clock.advance(60_000);
    assert.equal(transport.count, 0);
    assert.equal(asked, 0);
    socket.reconnect();
    assert.deepEqual(take(), ['state:closed>connecting:reconnect-called', 'error', 'state:connecting>closed:invalid-url', 'giveup:0:invalid-url']);
  });
});

describe('readyState constants', () => {
  it('are read-only, non-configurable properties of the class and its prototype, as WebIDL constants', () => {
    const { socket } = setup();
    for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]] as const) {
      for (const holder of [LifelineSocket, LifelineSocket.prototype]) {
        assert.deepEqual(Object.getOwnPropertyDescriptor(holder, name), { value, writable: false, enumerable: true, configurable: false }, name);
      }
      assert.equal(Object.hasOwn(socket, name), false);
      assert.throws(() => Object.assign(LifelineSocket, { [name]: 9 }), TypeError);
      assert.equal(Reflect.deleteProperty(socket, name), true); // nothing own to delete…
      assert.equal(socket[name], value); // …and the constant is still there
    }
  });
});

describe('on<type> handlers and listeners', () => {
  it('a non-object handler reads back null and is never called; an object is kept but not called', () => {
    const { socket, transport, reported } = setup();
    Object.assign(socket, { onopen: 2 });
    assert.equal(socket.onopen, null);
    const notCallable = {};
    Object.assign(socket, { onmessage: notCallable });
    assert.equal(socket.onmessage, notCallable);
    transport.last.open();
    transport.last.receive('x');
    assert.deepEqual(reported, []);
  });

  it('handlers and listeners run in registration order; null unregisters, a new handler goes last', () => {
    const { socket, transport } = setup();
    const order: string[] = [];
    socket.addEventListener('message', () => order.push('listener 1'));
    socket.onmessage = () => order.push('handler A');
    socket.addEventListener('message', () => order.push('listener 2'));
    socket.onmessage = () => order.push('handler B'); // replaces A in A's place
    transport.last.open();
    transport.last.receive('1');
    socket.onmessage = null;
    socket.onmessage = () => order.push('handler C');
    transport.last.receive('2');
    assert.deepEqual(order, ['listener 1', 'handler B', 'listener 2', 'listener 1', 'listener 2', 'handler C']);
  });

  it('honours once, signal and capture; a throwing listener is reported and the rest still run', () => {
    const { socket, transport, reported } = setup();
    const seen: string[] = [];
    const controller = new AbortController();
    const both = () => seen.push('both');
    socket.addEventListener('message', () => seen.push('once'), { once: true });
    socket.addEventListener('message', () => seen.push('signal'), { signal: controller.signal });
    socket.addEventListener('message', both);
    socket.addEventListener('message', both, true); // another listener: capture is part of its identity
    socket.addEventListener('message', () => {
      throw new Error('listener bug');
    });
    transport.last.open();
    transport.last.receive('1');
    controller.abort();
    socket.removeEventListener('message', both, { capture: true });
    transport.last.receive('2');
    // (Browsers run capture listeners first at the target; Node's EventTarget keeps registration order.)
    assert.deepEqual(seen.sort(), ['both', 'both', 'both', 'once', 'signal']);
    assert.deepEqual(reported.map((e) => (e instanceof Error ? e.message : e)), ['listener bug', 'listener bug']);
  });

  it('calls function listeners and handlers with the socket as this, and handleEvent as a method', () => {
    const { socket, transport } = setup();
    const thisValues: unknown[] = [];
    socket.onopen = function () {
      thisValues.push(this);
    };
    socket.addEventListener('open', function (this: unknown) {
      thisValues.push(this);
    });
    const object = { handleEvent(this: unknown) { thisValues.push(this); } };
    socket.addEventListener('open', object);
    transport.last.open();
    assert.deepEqual(thisValues, [socket, socket, object]);
  });
});

describe('events are Events, and the socket an EventTarget', () => {
  it('dispatches the platform classes with the socket as target', () => {
    const { socket, transport } = setup();
    const got: Event[] = [];
    for (const type of ['open', 'message', 'close', 'error', 'statechange'] as const) socket.addEventListener(type, (e) => got.push(e as Event));
    transport.last.open();
    transport.last.receive('hello');
    transport.last.error();
    transport.last.serverClose(4000, 'bye', true);
    assert.ok(socket instanceof EventTarget);
    assert.ok(got.every((e) => e instanceof Event && e.target === socket && !e.bubbles && !e.cancelable));
    const message = got.find((e) => e.type === 'message');
    assert.ok(message instanceof MessageEvent);
    assert.deepEqual([message.data, message.origin, message.lastEventId, message.source, message.ports], ['hello', 'ws://lifeline.test', '', null, []]);
    const close = got.find((e) => e.type === 'close') as Event & { code: number; reason: string; wasClean: boolean };
    assert.deepEqual([close.code, close.reason, close.wasClean], [4000, 'bye', true]);
  });

  it('dispatchEvent reaches handlers and listeners, as on a WebSocket', () => {
    const { socket } = setup();
    const seen: string[] = [];
    socket.onmessage = (e) => seen.push(`handler:${String(e.data)}`);
    socket.on('message', (e) => seen.push(`on:${String(e.data)}`));
    assert.equal(socket.dispatchEvent(new MessageEvent('message', { data: 'synthetic' })), true);
    assert.deepEqual(seen, ['handler:synthetic', 'on:synthetic']);
  });
});

describe('close()', () => {
  it('without a code sends none, and the close event reports the 1005 the server answers', () => {
    const { socket, transport, take } = setup();
    transport.last.open();
    take();
    socket.close();
    assert.deepEqual(transport.last.closeCalls, [{ code: undefined, reason: undefined }]);
    assert.equal(socket.readyState, socket.CLOSING);
    transport.last.serverClose(1005, '', true);
    assert.deepEqual(take(), ['state:open>closed:close-called', 'close:1005:']);
  });

  it('with only a reason sends 1000, as the platform does', () => {
    const { socket, transport } = setup();
    transport.last.open();
    socket.close(undefined, 'bye');
    assert.deepEqual(transport.last.closeCalls, [{ code: 1000, reason: 'bye' }]);
  });
});

describe('send()', () => {
  it('converts what is not a string, binary or Blob to a string, queued or not', () => {
    const { socket, transport } = setup();
    socket.send(123 as unknown as string);
    socket.send({ toString: () => 'object' } as unknown as string);
    socket.send(null as unknown as string);
    transport.last.open();
    socket.send(true as unknown as string);
    assert.deepEqual(transport.last.sent, ['123', 'object', 'null', 'true']);
    assert.throws(() => socket.send(Symbol('x') as unknown as string), TypeError);
    assert.throws(() => Reflect.apply(socket.send, socket, []), TypeError);
  });

  it('after close() throws InvalidStateError, a DOMException (a deliberate difference: the platform drops it silently)', () => {
    const { socket } = setup();
    socket.close();
    assert.throws(() => socket.send('late'), (e: unknown) => e instanceof InvalidStateError && e instanceof DOMException && e.code === 11);
  });
});

describe('binaryType', () => {
  /** A fake whose binaryType ignores values it does not support, as `ws` and browsers do. */
  class StrictBinaryType extends FakeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      let value = 'blob';
      Object.defineProperty(this, 'binaryType', {
        get: () => value,
        set: (next: string) => {
          if (['blob', 'arraybuffer', 'nodebuffer', 'fragments'].includes(next)) value = next;
        },
      });
    }
  }

  it('ignores invalid values and never re-applies them', () => {
    const transport = new FakeTransport();
    const { socket, clock } = setup({ WebSocket: transport.WebSocket });
    socket.binaryType = 'arraybuffer';
    transport.last.serverClose(1006); // no link now: nothing could accept a transport's own value
    socket.binaryType = 'nonsense' as 'blob';
    assert.equal(socket.binaryType, 'arraybuffer');
    clock.advance(250);
    assert.equal(transport.last.binaryType, 'arraybuffer');
  });

  it("keeps a transport's own value when the link accepts it", () => {
    const { socket } = setup({ WebSocket: StrictBinaryType });
    socket.binaryType = 'nodebuffer' as 'blob';
    assert.equal(socket.binaryType, 'nodebuffer');
    socket.binaryType = 'nonsense' as 'blob';
    assert.equal(socket.binaryType, 'nodebuffer');
  });
});

describe('the default transport', () => {
  it('is the WebSocket captured at load, never a LifelineSocket (window.WebSocket = LifelineSocket)', () => {
    const transport = new FakeTransport();
    assert.equal(defaultWebSocket(transport.WebSocket, LifelineSocket), transport.WebSocket);
    assert.equal(defaultWebSocket(undefined, transport.WebSocket), transport.WebSocket);
    assert.equal(defaultWebSocket(LifelineSocket, LifelineSocket), undefined);
    assert.equal(defaultWebSocket(undefined, undefined), undefined);
  });
});
