// WebSocket API checks of a link: event classes, message data, binaryType, close(), send(), losses, the global replaced.

import { closeInfo, closed, next, opened, record, thrown, tick, type Check } from './check-helpers.js';

function describeEvent(e: Event | 'timeout', ws: WebSocket): unknown {
  if (!(e instanceof Event)) return e;
  const base = {
    type: e.type,
    classes: [e instanceof Event, e instanceof MessageEvent, e instanceof CloseEvent],
    target: e.target === ws,
    flags: [e.bubbles, e.cancelable, e.composed, e.defaultPrevented],
  };
  if (e instanceof MessageEvent) return { ...base, data: e.data, origin: e.origin.replace(/:\d+$/, ':PORT'), lastEventId: e.lastEventId, source: e.source, ports: e.ports.length };
  if (e instanceof CloseEvent) return { ...base, code: e.code, reason: e.reason, wasClean: e.wasClean };
  return base;
}

const events: Check[] = [
  {
    name: 'events are Event, MessageEvent and CloseEvent instances, as the platform dispatches them',
    item: 5,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const phases: unknown[] = [];
      for (const type of ['open', 'message', 'close']) ws.addEventListener(type, (e) => phases.push([e.currentTarget === ws, e.eventPhase]));
      const open = describeEvent(await next(ws, 'open'), ws);
      ws.send('hello');
      const message = describeEvent(await next(ws, 'message'), ws);
      const closing = next(ws, 'close');
      ws.close(4000, 'bye');
      const close = describeEvent(await closing, ws);
      return { open, message, close, phases };
    },
  },
  {
    name: 'message data is a string, a Blob, or an ArrayBuffer per binaryType',
    item: 0,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const types: string[] = [];
      for (const [binaryType, data] of [['blob', 'text'], ['blob', new Uint8Array([1, 2])], ['arraybuffer', new Uint8Array([3])]] as const) {
        ws.binaryType = binaryType;
        ws.send(data);
        const e = await next(ws, 'message');
        const got: unknown = e instanceof MessageEvent ? e.data : e;
        types.push(typeof got === 'string' ? `string:${got}` : got instanceof Blob ? `Blob:${got.size}` : got instanceof ArrayBuffer ? `ArrayBuffer:${got.byteLength}` : String(got));
      }
      await closed(ws);
      return types;
    },
  },
  {
    name: 'binaryType ignores values outside the enum, now and on later links',
    item: 7,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const seen: string[] = [ws.binaryType];
      for (const value of ['nonsense', 'arraybuffer', 'nodebuffer', 'blob', 'ARRAYBUFFER']) {
        Object.assign(ws, { binaryType: value });
        seen.push(ws.binaryType);
      }
      await closed(ws);
      return seen;
    },
  },
  {
    name: 'open and close bracket readyState; the subprotocol the server picked is reported',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(env.url, ['chat', 'superchat']);
      const log = record(ws, ['open', 'close']);
      await next(ws, 'open');
      const negotiated = { protocol: ws.protocol, extensions: ws.extensions, bufferedAmount: ws.bufferedAmount };
      await closed(ws);
      return { log, negotiated };
    },
  },
];

const closing: Check[] = [
  {
    name: 'close() while connecting: CLOSING, then error and close 1006 not clean',
    item: 10,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const log = record(ws, ['open', 'error', 'close']);
      const done = next(ws, 'close');
      ws.close(4000, 'early');
      const after = ws.readyState;
      await done;
      await tick();
      return { after, log };
    },
  },
  {
    name: 'close() without a code: CLOSING, then close 1005 clean',
    item: 6,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const done = next(ws, 'close');
      ws.close();
      const after = ws.readyState;
      return { after, close: closeInfo(ws, await done) };
    },
  },
  {
    name: 'close(code, reason) sends the code and reason',
    item: 6,
    async run(Ctor, env) {
      const results: unknown[] = [];
      for (const args of [[4000, 'bye'], [1000, ''], [3999, 'é'.repeat(61)], [4999, 'x']] as const) {
        const ws = await opened(Ctor, env.url);
        const done = next(ws, 'close');
        ws.close(args[0], args[1]);
        results.push(closeInfo(ws, await done));
      }
      return results;
    },
  },
  {
    name: 'close() with a fractional code',
    item: 6,
    async run(Ctor, env) {
      const results: unknown[] = [];
      for (const code of [3000.4, 3000.6, 4999.5]) {
        const ws = await opened(Ctor, env.url);
        const done = next(ws, 'close');
        const result = thrown(() => ws.close(code));
        if (result !== 'none') ws.close();
        results.push(result === 'none' ? (closeInfo(ws, await done) as { code: number }).code : (await done, result));
      }
      return results;
    },
  },
  {
    name: 'close(undefined, reason)',
    item: 6,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const done = next(ws, 'close');
      const result = thrown(() => ws.close(undefined, 'only a reason'));
      if (result !== 'none') ws.close();
      return { result, close: closeInfo(ws, await done) };
    },
  },
  {
    name: 'close() validates code and reason with DOMExceptions, and is idempotent',
    item: 12,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const invalid = [1001, 1005, 999, 2999, 5000, 0, Number.NaN, -1].map((code) => thrown(() => ws.close(code)));
      const reasons = [thrown(() => ws.close(1000, 'é'.repeat(62))), thrown(() => ws.close(4000, 'x'.repeat(124)))];
      const log = record(ws, ['close']);
      const done = next(ws, 'close');
      const twice = [thrown(() => ws.close()), thrown(() => ws.close(4000)), thrown(() => ws.close(1001))];
      await done;
      await tick();
      return { invalid, reasons, twice, log };
    },
  },
];

const sending: Check[] = [
  {
    name: 'send() of a non-string, non-binary value sends it as a string',
    item: 8,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      const echoed: unknown[] = [];
      for (const value of [123, null, { toString: () => 'object' }, true]) {
        ws.send(value as unknown as string);
        const e = await next(ws, 'message');
        echoed.push(e instanceof MessageEvent ? e.data : e);
      }
      const errors = [thrown(() => Reflect.apply(ws.send, ws, [])), thrown(() => ws.send(Symbol('s') as unknown as string))];
      await closed(ws);
      return { echoed, errors };
    },
  },
  {
    name: 'send() while connecting',
    item: 8,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const results = [thrown(() => ws.send('early')), thrown(() => ws.send(123 as unknown as string))];
      const echoed: unknown[] = [];
      ws.addEventListener('message', (e) => echoed.push(e.data));
      await next(ws, 'open');
      await tick(300);
      await closed(ws);
      return { results, echoed };
    },
  },
  {
    name: 'send() of 1,500 messages while connecting',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      let outcome = 'none';
      for (let i = 0; i < 1_500 && outcome === 'none'; i++) {
        const result = thrown(() => ws.send(`m${i}`));
        if (result !== 'none') outcome = `message ${i}: ${result}`;
      }
      await closed(ws);
      return outcome;
    },
  },
  {
    name: 'send() after close()',
    item: 0,
    async run(Ctor, env) {
      const ws = await opened(Ctor, env.url);
      ws.close();
      const result = thrown(() => ws.send('late'));
      await next(ws, 'close');
      return result;
    },
  },
];

const losses: Check[] = [
  {
    name: 'the server closes with a terminal code (4003)',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(`${env.url}?mode=close-4003`);
      const log = record(ws, ['open', 'error', 'close']);
      await next(ws, 'close');
      await tick(300);
      const after = ws.readyState;
      ws.close();
      return { log, after };
    },
  },
  {
    name: 'the server closes with a retryable code (1001)',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(`${env.url}?mode=close-1001`);
      const log = record(ws, ['open', 'close']);
      await next(ws, 'close');
      const after = ws.readyState;
      await next(ws, 'open', 2_000);
      ws.close();
      return { first: log.slice(0, 2), after, reopened: log.includes('open@1', 1) && log.lastIndexOf('open@1') > 0 };
    },
  },
  {
    name: 'a refused connection',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(env.refusedUrl);
      const log = record(ws, ['open', 'error', 'close']);
      await next(ws, 'close');
      const after = ws.readyState;
      ws.close();
      return { log: log.slice(0, 2), after };
    },
  },
  {
    name: 'with window.WebSocket replaced by the class under test, a socket still opens',
    item: 9,
    async run(Ctor, env) {
      const saved = window.WebSocket;
      window.WebSocket = Ctor;
      try {
        const ws = new Ctor(env.url);
        const open = await next(ws, 'open');
        await closed(ws);
        return open instanceof Event ? open.type : open;
      } finally {
        window.WebSocket = saved;
      }
    },
  },
  {
    name: 'events are trusted',
    item: 0,
    async run(Ctor, env) {
      const ws = new Ctor(env.url);
      const open = await next(ws, 'open');
      await closed(ws);
      return open instanceof Event ? open.isTrusted : open;
    },
  },
];

/** The checks of a link's events, data, close(), send() and losses. */
export const LINK_CHECKS: readonly Check[] = [...events, ...closing, ...sending, ...losses];
