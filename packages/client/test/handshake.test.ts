// Client handshake: hello contents, auth on every attempt, welcome → session, stale auth, bad frames.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUBPROTOCOL, type Json } from '@lifeline/protocol';
import { LifelineError } from '../src/index.js';
import { flush, setup, track } from './fake-server.js';

describe('LifelineClient handshake', () => {
  it('offers the subprotocol and sends hello first, with auth() called on every attempt', async () => {
    let calls = 0;
    const { client, server, transport } = setup({
      auth: async () => ({ token: `t${++calls}` }),
    });
    assert.equal(server.ws.protocols, SUBPROTOCOL);
    const hello = await server.accept();
    assert.deepEqual(hello, { t: 'hello', v: 1, auth: { token: 't1' } });
    assert.equal(client.ready, false);
    server.welcome();
    await flush();
    assert.equal(client.ready, true);
    server.push('a');
    server.push('b');

    server.drop();
    server.advanceToNextTimer();
    assert.equal(transport.count, 2);
    const again = await server.accept();
    assert.equal(calls, 2);
    assert.deepEqual(again, { t: 'hello', v: 1, resume: { id: 's1', token: 'token-1', lastSeq: 2 }, auth: { token: 't2' } });
    client.close();
  });

  it('omits auth when there is no auth option or auth() returns undefined', async () => {
    const plain = setup();
    assert.deepEqual(await plain.server.accept(), { t: 'hello', v: 1 });
    plain.client.close();
    const none = setup({ auth: () => undefined });
    assert.deepEqual(await none.server.accept(), { t: 'hello', v: 1 });
    none.client.close();
  });

  it('emits session {resumed:false, reason:"new"} on a fresh welcome and exposes the session', async () => {
    const { client, server, events } = setup();
    await server.connect();
    assert.deepEqual(events.first('session'), [{ id: 's1', resumed: false, reason: 'new' }]);
    assert.equal(client.sessionId, 's1');
    assert.equal(client.state, 'open');
    assert.equal(client.lastSeq, 0);
    assert.equal(typeof client.rtt, 'number');
    assert.deepEqual(events.first('statechange'), [{ from: 'connecting', to: 'open', reason: 'opened' }]);
    client.close();
    assert.deepEqual(events.first('statechange').at(-1), { from: 'open', to: 'closed', reason: 'close-called' });
  });

  it('drops a hello whose auth() settles after its link was replaced', async () => {
    const pending: Array<(value: Json) => void> = [];
    const { client, server, transport } = setup({ auth: () => new Promise<Json>((resolve) => pending.push(resolve)) });
    const first = server.ws;
    first.open(SUBPROTOCOL);
    await flush();
    server.drop();
    server.advanceToNextTimer();
    const second = server.ws;
    second.open(SUBPROTOCOL);
    await flush();
    assert.equal(pending.length, 2);
    pending[0]?.('stale');
    await flush();
    assert.equal(first.sentText.length, 0);
    assert.equal(second.sentText.length, 0);
    pending[1]?.('fresh');
    await flush();
    assert.deepEqual(server.frames(second), [{ t: 'hello', v: 1, auth: 'fresh' }]);
    assert.equal(transport.count, 2);
    client.close();
  });

  it('stops with auth-failed when auth() throws, and reconnect() starts over', async () => {
    let fail = true;
    const { client, server, events, transport } = setup({
      auth: () => {
        if (fail) throw new Error('no token');
        return 'ok';
      },
    });
    const sent = track(client.send('queued'));
    server.ws.open(SUBPROTOCOL);
    await flush();
    assert.equal(sent.state, 'rejected');
    assert.equal((sent.error as LifelineError).code, 'unauthorized');
    assert.deepEqual(
      events.first('error').map((e) => e.code),
      ['auth-failed'],
    );
    assert.deepEqual(events.first('giveup'), [{ attempts: 0, reason: 'auth-failed' }]);
    assert.equal(client.state, 'closed');
    const later = track(client.send('later'));
    await flush();
    assert.equal((later.error as LifelineError).code, 'unauthorized');

    fail = false;
    client.reconnect();
    assert.equal(transport.count, 2);
    assert.deepEqual(await server.accept(), { t: 'hello', v: 1, auth: 'ok' });
    client.close();
  });

  it('ignores undecodable server frames with an error event, and reports server errors', async () => {
    const { client, server, events, reported } = setup();
    await server.connect();
    server.ws.receive('not json');
    server.ws.receive(JSON.stringify({ t: 'msg', seq: 0, data: 1 }));
    server.ws.receive(JSON.stringify({ t: 'mystery' }));
    server.send({ t: 'error', code: 'sequence-gap', message: 'seq 9 skips ahead', seq: 9 });
    await flush();
    const errors = events.first('error');
    assert.deepEqual(
      errors.map((e) => e.code),
      ['bad-server-frame', 'bad-server-frame', 'bad-server-frame', 'sequence-gap'],
    );
    assert.ok(errors.every((e) => e instanceof LifelineError));
    assert.equal(errors[3]?.seq, 9);
    assert.equal(client.ready, true);
    assert.equal(client.state, 'open');
    assert.deepEqual(reported, []);
    client.close();
  });

  it('validates options at construction', () => {
    assert.throws(() => setup({ ackEvery: 0 }), RangeError);
    assert.throws(() => setup({ outbox: { maxMessages: -1 } }), RangeError);
    assert.throws(() => setup({ outbox: { maxBytes: Number.NaN } }), TypeError);
    assert.throws(() => setup({ auth: 'token' as unknown as () => Json }), TypeError);
  });

  it('generates 128-bit hex keys by default', async () => {
    const { client, server } = setup({ generateKey: undefined });
    await server.connect();
    track(client.send(1));
    track(client.send(2));
    const [a, b] = server.framesOf('msg').map((m) => m.key);
    assert.match(a ?? '', /^[0-9a-f]{32}$/);
    assert.match(b ?? '', /^[0-9a-f]{32}$/);
    assert.notEqual(a, b);
    client.close();
  });
});
