// Delivery both ways: acked sends, ack batching, pong acks, exactly-once in-order delivery, limits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from '@lifeline/protocol';
import type { LifelineError } from '../src/index.js';
import { flush, setup, track } from './fake-server.js';

describe('LifelineClient delivery', () => {
  it('resolves a send when the server acks it, and not before', async () => {
    const { client, server } = setup();
    await server.connect();
    const a = track(client.send({ n: 1 }));
    const b = track(client.send({ n: 2 }));
    const c = track(client.send({ n: 3 }));
    assert.deepEqual(server.framesOf('msg'), [
      { t: 'msg', seq: 1, data: { n: 1 }, key: 'key-1' },
      { t: 'msg', seq: 2, data: { n: 2 }, key: 'key-2' },
      { t: 'msg', seq: 3, data: { n: 3 }, key: 'key-3' },
    ]);
    await flush();
    assert.deepEqual([a.state, b.state, c.state], ['pending', 'pending', 'pending']);
    assert.equal(client.outboxSize, 3);
    server.ack(2);
    await flush();
    assert.deepEqual([a.state, b.state, c.state], ['resolved', 'resolved', 'pending']);
    server.ping(3); // ping.ack acknowledges too
    await flush();
    assert.equal(c.state, 'resolved');
    assert.equal(client.outboxSize, 0);
    client.close();
  });

  it('keeps an application key and holds sends made before the welcome until it', async () => {
    const { client, server } = setup();
    const early = track(client.send('early', { key: 'order-17' }));
    await server.accept();
    assert.deepEqual(server.framesOf('msg'), []);
    server.welcome();
    assert.deepEqual(server.framesOf('msg'), [{ t: 'msg', seq: 1, data: 'early', key: 'order-17' }]);
    server.ack(1);
    await flush();
    assert.equal(early.state, 'resolved');
    client.close();
  });

  it('acks after ackEvery deliveries, without a timer, and every pong carries the ack', async () => {
    const { client, server, clock } = setup({ ackEvery: 3 });
    await server.connect();
    for (let i = 1; i <= 7; i++) server.push(i);
    assert.deepEqual(server.framesOf('ack'), [
      { t: 'ack', seq: 3 },
      { t: 'ack', seq: 6 },
    ]);
    const pending = clock.pending;
    clock.advance(15_000);
    assert.deepEqual(server.framesOf('ack').length, 2, 'no ack timer');
    assert.ok(clock.pending <= pending);
    server.ping();
    assert.deepEqual(server.framesOf('pong'), [{ t: 'pong', ack: 7 }]);
    server.push(8);
    server.push(9);
    assert.equal(server.framesOf('ack').length, 2, 'the pong reset the batch');
    server.push(10);
    assert.deepEqual(server.framesOf('ack').at(-1), { t: 'ack', seq: 10 });
    server.ping();
    assert.deepEqual(server.framesOf('pong').at(-1), { t: 'pong', ack: 10 });
    client.close();
  });

  it('delivers each server message exactly once and in order, dropping replays and gaps', async () => {
    const { client, server, events } = setup();
    await server.connect();
    server.push('m1', 1);
    server.push('m2', 2);
    server.push('m1', 1); // replay
    server.push('m2', 2); // duplicate
    server.push('m4', 4); // gap: dropped, not acked past
    server.ping();
    assert.deepEqual(server.framesOf('pong'), [{ t: 'pong', ack: 2 }]);
    server.push('m3', 3);
    server.push('m4', 4);
    server.push('m4', 4);
    assert.deepEqual(events.of('message'), [
      ['m1', { seq: 1 }],
      ['m2', { seq: 2 }],
      ['m3', { seq: 3 }],
      ['m4', { seq: 4 }],
    ]);
    assert.equal(client.lastSeq, 4);
    assert.deepEqual(events.first('error'), [], 'replays and gaps are not errors');
    client.close();
  });

  it('survives a throwing message listener: delivery and acks go on, the error is reported', async () => {
    const { client, server, reported, events } = setup({ ackEvery: 2 });
    const boom = new Error('listener bug');
    client.on('message', () => {
      throw boom;
    });
    await server.connect();
    server.push(1);
    server.push(2);
    assert.deepEqual(reported, [boom, boom]);
    assert.equal(events.of('message').length, 2);
    assert.deepEqual(server.framesOf('ack'), [{ t: 'ack', seq: 2 }]);
    client.close();
  });

  it('unsubscribes with the function on() returns', async () => {
    const { client, server } = setup();
    const seen: Json[] = [];
    const off = client.on('message', (data) => seen.push(data));
    await server.connect();
    server.push('a');
    off();
    off();
    server.push('b');
    assert.deepEqual(seen, ['a']);
    client.close();
  });

  it('rejects with outbox-full past maxMessages or maxBytes, and never drops', async () => {
    const { client, server } = setup({ outbox: { maxMessages: 2, maxBytes: 1_000 } });
    await server.connect();
    const a = track(client.send('a'));
    const b = track(client.send('b'));
    const c = track(client.send('c'));
    await flush();
    assert.equal(c.state, 'rejected');
    assert.equal((c.error as LifelineError).code, 'outbox-full');
    assert.equal(client.outboxSize, 2);
    assert.deepEqual(
      server.framesOf('msg').map((m) => m.seq),
      [1, 2],
      'the refused message took no seq',
    );
    server.ack(2);
    await flush();
    assert.deepEqual([a.state, b.state], ['resolved', 'resolved']);

    const big = 'x'.repeat(600); // ~650 bytes encoded: one fits, two do not
    const d = track(client.send(big));
    const e = track(client.send(big));
    await flush();
    assert.equal(d.state, 'pending');
    assert.equal((e.error as LifelineError).code, 'outbox-full');
    assert.deepEqual(
      server.framesOf('msg').map((m) => m.seq),
      [1, 2, 3],
    );
    client.close();
  });

  it('rejects too-large messages at send() time: 64 KiB before the welcome, maxPayload after', async () => {
    const { client, server } = setup();
    const early = track(client.send('x'.repeat(70_000)));
    await server.accept();
    server.welcome({ maxPayload: 1_000 });
    await flush();
    assert.equal((early.error as LifelineError).code, 'too-large');
    const multibyte = track(client.send('é'.repeat(490))); // 490 chars, 980 bytes of data
    const fits = track(client.send('e'.repeat(490)));
    await flush();
    assert.equal((multibyte.error as LifelineError).code, 'too-large');
    assert.equal(fits.state, 'pending');
    assert.deepEqual(
      server.framesOf('msg').map((m) => m.seq),
      [1],
    );
    client.close();
  });

  it('rejects data the server would refuse with a TypeError, taking no seq', async () => {
    const { client, server } = setup();
    await server.connect();
    let deep: Json = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const results = [
      track(client.send(deep)),
      track(client.send(JSON.parse('{"__proto__": 1}') as Json)),
      track(client.send(undefined as unknown as Json)),
      track(client.send(1n as unknown as Json)),
      track(client.send(1, { key: '' })),
    ];
    await flush();
    for (const r of results) assert.ok(r.error instanceof TypeError, String(r.error));
    assert.equal(client.outboxSize, 0);
    track(client.send('ok'));
    assert.deepEqual(
      server.framesOf('msg').map((m) => m.seq),
      [1],
    );
    client.close();
  });
});
