// Typed end to end: one schema types client and server alike. `npm test` type-checks this file first; each
// `@ts-expect-error` line must fail to compile, or the type check itself fails.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Schema } from '@lifeline/protocol';
import { createSessionEngine, type SessionEngine } from '@lifeline/server';
import { LifelineClient } from '../src/index.js';

interface Chat extends Schema {
  up: { text: string };
  down: { notice: string };
  channels: { [room: `room:${string}`]: { from: string; text: string }; ticker: number };
  rpc: { history: { params: { room: string; limit: number }; result: string[] }; ping: { params: null; result: 'pong' } };
}

/** Compiled, never run: the assertions are the compiler's. */
function typedUsage(client: LifelineClient<Chat>, engine: SessionEngine<Chat>): void {
  void client.send({ text: 'hi' });
  // @ts-expect-error: `up` is { text: string }
  void client.send({ txt: 'hi' });
  client.on('message', (data) => {
    const notice: string = data.notice;
    void notice;
    // @ts-expect-error: `down` has no `text`
    void data.text;
  });
  const room = client.subscribe('room:42');
  room.on('publication', (p) => void p.from.toUpperCase());
  void room.publish({ from: 'me', text: 'x' });
  // @ts-expect-error: a room publication needs `from`
  void room.publish({ text: 'x' });
  client.subscribe('ticker').on('publication', (n) => void n.toFixed(2));
  // @ts-expect-error: no such channel in the schema
  client.subscribe('lobby');
  void client.publish('ticker', 3);
  // @ts-expect-error: the ticker carries numbers
  void client.publish('ticker', 'three');
  void client.call('history', { room: 'room:42', limit: 10 }).then((lines) => lines.map((l) => l.trim()));
  // @ts-expect-error: `limit` is a number
  void client.call('history', { room: 'room:42', limit: 'ten' });
  // @ts-expect-error: no such method
  void client.call('missing', null);
  void client.call('ping').then((r) => {
    const pong: 'pong' = r;
    void pong;
  });

  void engine.publish('room:7', { from: 'server', text: 'welcome' });
  // @ts-expect-error: wrong payload for a room
  void engine.publish('room:7', { text: 'welcome' });
  void engine.broadcast({ notice: 'deploy at noon' });
  // @ts-expect-error: `down` is { notice: string }
  void engine.broadcast({ text: 'deploy' });
  engine.handle('history', async ({ room, limit }) => [`${room}:${limit}`]);
  // @ts-expect-error: the result is string[]
  engine.handle('history', () => 42);
  engine.on('message', (session, data) => {
    void data.text.length;
    void session.send({ notice: 'got it' });
    // @ts-expect-error: the session sends `down`
    void session.send({ text: 'x' });
  });
}

it('the schema types both ends (checked by the compiler; this only makes sure the file loads)', () => {
  assert.equal(typeof typedUsage, 'function');
  const engine = createSessionEngine<Chat>({ origins: 'any' });
  assert.equal(engine.state, 'running');
  void engine.close({ drain: 0 });
});
