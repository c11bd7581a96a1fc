// WebSocket API checks of the surface: construction, URL and protocols, constants, on<type> handlers, listeners.

import { closed, next, opened, thrown, tick, type Check } from './check-helpers.js';

const construction: Check[] = [
  {
    name: 'url is the parsed URL (trailing slash, http(s) → ws(s), relative resolved, URL objects)',
    item: 2,
    async run(Ctor, env) {
      const host = env.url.slice('ws://'.length, env.url.indexOf('/', 'ws://'.length));
      const inputs: Array<string | URL> = [`ws://${host}`, `http://${host}/ws?x=1`, `https://${host}/ws`, env.relative, `WS://${host.toUpperCase()}/a/../b`, new URL(env.url)];
      const urls = inputs.map((input) => {
        const ws = new Ctor(input);
        ws.close();
        return ws.url;
      });
      return urls.map((u) => u.replace(host, 'HOST'));
    },
  },
  {
    name: 'an invalid URL throws SyntaxError from the constructor',
    item: 1,
    async run(Ctor) {
      return ['ws://x/#frag', 'ws://x/#', 'ftp://x/', 'mailto:a@b', 'ws://[::1', 'javascript:alert(1)'].map((url) => thrown(() => new Ctor(url)));
    },
  },
  {
    name: 'invalid protocols throw SyntaxError from the constructor',
    item: 1,
    async run(Ctor, env) {
      const cases: Array<string | string[]> = ['', 'a b', ['chat', 'chat'], ['é'], 'a,b', ['ok', '']];
      return cases.map((protocols) => thrown(() => new Ctor(env.url, protocols)));
    },
  },
  {
    name: 'the constructor needs new and a URL',
    item: 0,
    async run(Ctor) {
      return [thrown(() => Reflect.apply(Ctor, undefined, ['ws://x/'])), thrown(() => Reflect.construct(Ctor, []))];
    },
  },
  {
    name: 'a new socket is CONNECTING with empty protocol, extensions and bufferedAmount',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const state = { readyState: ws.readyState, protocol: ws.protocol, extensions: ws.extensions, bufferedAmount: ws.bufferedAmount, binaryType: ws.binaryType };
      await closed(ws);
      return state;
    },
  },
  {
    name: 'readyState constants are read-only WebIDL constants on the class and its prototype',
    item: 3,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;
      const result = names.map((name) => ({
        onClass: Object.getOwnPropertyDescriptor(Ctor, name),
        onPrototype: Object.getOwnPropertyDescriptor(Ctor.prototype, name),
        own: Object.hasOwn(ws, name),
        assign: thrown(() => Object.assign(Ctor, { [name]: 9 })),
        deleted: Reflect.deleteProperty(ws, name),
        after: ws[name],
      }));
      await closed(ws);
      return result;
    },
  },
  {
    name: 'the socket is an EventTarget with the WebSocket methods on its prototype chain',
    item: 5,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const methods = ['send', 'close', 'addEventListener', 'removeEventListener', 'dispatchEvent'].map((m) => typeof (ws as unknown as Record<string, unknown>)[m]);
      const handlers = ['onopen', 'onmessage', 'onclose', 'onerror'].map((h) => [h in Ctor.prototype, Object.hasOwn(ws, h), (ws as unknown as Record<string, unknown>)[h]]);
      const result = { eventTarget: ws instanceof EventTarget, methods, handlers };
      await closed(ws);
      return result;
    },
  },
];

const handlers: Check[] = [
  {
    name: 'on<type> keeps functions and objects, and reads anything else back as null',
    item: 4,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const fn = () => undefined;
      const object = {};
      const read = (value: unknown) => {
        Object.assign(ws, { onopen: value });
        const got: unknown = ws.onopen;
        return got === fn ? 'fn' : got === object ? 'object' : got;
      };
      const result = [read(2), read('code'), read(fn), read(true), read(object), read(undefined), read(fn), read(null)];
      await closed(ws);
      return result;
    },
  },
  {
    name: 'a non-callable handler is never called; handlers and listeners run in registration order',
    item: 12,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const order: string[] = [];
      ws.addEventListener('message', () => order.push('listener 1'));
      ws.onmessage = () => order.push('handler A');
      ws.addEventListener('message', () => order.push('listener 2'));
      ws.onmessage = () => order.push('handler B');
      ws.send('1');
      await next(ws, 'message');
      ws.onmessage = null;
      Object.assign(ws, { onmessage: {} });
      ws.send('2');
      await next(ws, 'message');
      ws.onmessage = () => order.push('handler C');
      ws.send('3');
      await next(ws, 'message');
      await closed(ws);
      return order;
    },
  },
  {
    name: 'handlers and function listeners get the socket as this; handleEvent objects are called as methods',
    item: 5,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const seen: boolean[] = [];
      ws.onopen = function () {
        seen.push(this === ws);
      };
      ws.addEventListener('open', function (this: unknown) {
        seen.push(this === ws);
      });
      const object = {
        handleEvent(this: unknown) {
          seen.push(this === object);
        },
      };
      ws.addEventListener('open', object);
      await next(ws, 'open');
      await tick(0);
      await closed(ws);
      return seen;
    },
  },
  {
    name: 'addEventListener honours once, signal and capture, ignores duplicates and null, refuses primitives',
    item: 11,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const counts: Record<string, number> = { once: 0, signal: 0, plain: 0, capture: 0 };
      const bump = (k: string) => () => void (counts[k] = (counts[k] ?? 0) + 1);
      const controller = new AbortController();
      const plain = bump('plain');
      const capture = bump('capture');
      ws.addEventListener('message', bump('once'), { once: true });
      ws.addEventListener('message', bump('signal'), { signal: controller.signal });
      ws.addEventListener('message', plain);
      ws.addEventListener('message', plain);
      ws.addEventListener('message', capture, true);
      ws.addEventListener('message', capture, { capture: false });
      const extra = [thrown(() => ws.addEventListener('message', null as unknown as EventListener)), thrown(() => ws.addEventListener('message', 5 as unknown as EventListener))];
      for (const text of ['a', 'b']) {
        ws.send(text);
        await next(ws, 'message');
        controller.abort();
        ws.removeEventListener('message', capture, { capture: true });
      }
      await closed(ws);
      return { counts, extra };
    },
  },
  {
    name: 'a throwing listener is reported to the window and the next listener still runs',
    item: 0,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const reported: boolean[] = [];
      const onError = (e: ErrorEvent) => {
        reported.push(String(e.message).includes('listener boom'));
        e.preventDefault();
      };
      window.addEventListener('error', onError);
      let next2 = false;
      ws.addEventListener('message', () => {
        throw new Error('listener boom');
      });
      ws.addEventListener('message', () => (next2 = true));
      ws.send('x');
      await next(ws, 'message');
      await tick();
      window.removeEventListener('error', onError);
      await closed(ws);
      return { next: next2, reported };
    },
  },
  {
    name: 'dispatchEvent runs handlers and listeners with the socket as target',
    item: 5,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      ws.onclose = null;
      const seen: unknown[] = [];
      ws.onmessage = (e) => seen.push(['handler', e.data, e.target === ws]);
      ws.addEventListener('custom', (e) => seen.push(['custom', e.target === ws, e.eventPhase]));
      const results = [ws.dispatchEvent(new MessageEvent('message', { data: 'synthetic' })), ws.dispatchEvent(new Event('custom', { cancelable: true }))];
      await closed(ws);
      return { seen, results };
    },
  },
];

/** The checks of construction, constants, handlers and listeners. */
export const SURFACE_CHECKS: readonly Check[] = [...construction, ...handlers];
