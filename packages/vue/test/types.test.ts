// Typed end to end through the composables: one schema types channel names, payloads, messages, sends and RPC. The root type check compiles this file; each `@ts-expect-error` must fail to compile.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Schema } from '@lifeline/protocol';
import { ref } from 'vue';
import { createLifelineComposables, useChannel } from '../src/index.js';

interface Chat extends Schema {
  up: { text: string };
  down: { notice: string };
  channels: { [room: `room:${string}`]: { from: string; text: string }; ticker: number };
  rpc: { history: { params: { room: string; limit: number }; result: string[] }; ping: { params: null; result: 'pong' } };
}

const lifeline = createLifelineComposables<Chat>();

/** Compiled, never run: the assertions are the compiler's. */
function typedUsage(): void {
  const room = lifeline.useChannel('room:42', { onPublication: (p) => void p.from.toUpperCase() });
  const from: string | undefined = room.last.value?.data.from;
  void from;
  void room.publish({ from: 'me', text: 'x' });
  // @ts-expect-error: a room publication needs `from`
  void room.publish({ text: 'x' });
  const ticker = lifeline.useChannel(ref<'ticker'>('ticker'));
  const n: number | undefined = ticker.last.value?.data;
  void n;
  // @ts-expect-error: no such channel in the schema
  lifeline.useChannel('lobby');
  const send = lifeline.useSend();
  void send({ text: 'hi' });
  // @ts-expect-error: `up` is { text: string }
  void send({ txt: 'hi' });
  const history = lifeline.useCall('history');
  void history.call({ room: 'room:1', limit: 10 }).then((lines) => lines.map((l) => l.trim()));
  const lines: string[] | undefined = history.result.value;
  void lines;
  // @ts-expect-error: `limit` is a number
  void history.call({ room: 'room:1', limit: 'ten' });
  // @ts-expect-error: no such method
  lifeline.useCall('missing');
  lifeline.useLifelineEvent('message', (data) => void data.notice.trim());
  // @ts-expect-error: `down` has no `text`
  lifeline.useLifelineEvent('message', (data) => void data.text);
  const members: readonly { id: string; devices: number }[] = lifeline.usePresence('room:1').members.value;
  void members;
  const client = lifeline.useLifeline();
  void client.call('ping').then((r) => {
    const pong: 'pong' = r;
    void pong;
  });
  // Untyped: any JSON, any name.
  void useChannel('anything').publish({ any: ['json'] });
}

it('the typed composables compile (checked by the type check, not at run time)', () => {
  assert.equal(typeof typedUsage, 'function');
  assert.deepEqual(Object.keys(lifeline).sort(), ['useCall', 'useChannel', 'useConnection', 'useLastSeen', 'useLifeline', 'useLifelineEvent', 'usePresence', 'useSend']);
});
