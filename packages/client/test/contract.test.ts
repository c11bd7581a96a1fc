// The contract: the real LifelineClient against the real session engine in one process, over the loopback transport, on one fake clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryBroker, InMemorySessionStore } from '@lifeline/server';
import { nullEnvironment } from '@lifeline/socket';
import { FakeClock, Loopback, seededRandom } from '@lifeline/testkit';
import { LifelineClient } from '../src/index.js';
import { engineOn, settle, track, world } from './world.js';

describe('contract: LifelineClient against the session engine', () => {
  it('handshake: a fresh session on both sides, the phase machine reporting every step', async () => {
    const { client, engine, events, sessions } = world();
    await settle();
    assert.equal(client.ready, true);
    assert.deepEqual(events.first('phase').map((c) => c.to), ['authenticating', 'welcoming', 'ready']);
    const [info] = events.first('session');
    assert.equal(info?.resumed, false);
    assert.equal(info?.reason, 'new');
    assert.equal(info?.id, sessions[0]?.id);
    assert.equal(engine.stats().sessions, 1);
    client.close();
    await settle();
    assert.equal(engine.stats().sessions, 0, 'bye ended it');
  });

  it('acked sends both ways: the client send settles on the ack, the server send on the ack a pong carries', async () => {
    const { client, engine, received, events, sessions, advance } = world();
    await settle();
    const up = track(client.send('up'));
    await settle();
    assert.equal(up.state, 'resolved');
    assert.equal(received.length, 1);
    assert.equal(received[0]?.data, 'up');
    assert.equal(typeof received[0]?.key, 'string', 'the client keys every message');
    const session = sessions[0];
    assert.ok(session);
    const down = track(session.send('down'));
    await settle();
    assert.deepEqual(events.first('message'), ['down']);
    assert.equal(down.state, 'pending', 'one delivery: no ack batch yet');
    await advance(20_000); // the server's ping; the client's pong carries its ack
    assert.equal(down.state, 'resolved');
    assert.equal(engine.stats().terminated, 0);
    client.close();
  });

  it('resume: what was in flight both ways when the link was cut arrives once, in order', async () => {
    const { client, loopback, received, events, sessions, advance } = world();
    await settle();
    const session = sessions[0];
    assert.ok(session);
    const ups = ['c1', 'c2', 'c3'].map((d) => track(client.send(d)));
    const downs = ['s1', 's2'].map((d) => track(session.send(d)));
    loopback.cut(); // before any of those frames crossed
    await settle();
    assert.equal(client.ready, false);
    await advance(1_500);
    assert.equal(client.ready, true);
    assert.equal(events.first('session').at(-1)?.resumed, true);
    assert.deepEqual(received.map((m) => m.data), ['c1', 'c2', 'c3']);
    assert.deepEqual(events.first('message'), ['s1', 's2']);
    assert.deepEqual(ups.map((t) => t.state), ['resolved', 'resolved', 'resolved']);
    await advance(30_000); // the server's next ping (the sweep runs every 5 s); the pong carries the client's ack
    assert.deepEqual(downs.map((t) => t.state), ['resolved', 'resolved']);
    client.close();
  });

  it('a fresh session after the resume window: renumbered resends, applied once thanks to their keys', async () => {
    const { client, loopback, received, events, engine, advance } = world({ server: { resumeWindow: 1_000, dedupeWindow: 60_000 } });
    await settle();
    const firstId = client.sessionId;
    // The server applies both, but no ack reaches the client (neither `ack` nor the ack of a ping).
    loopback.toClient = (f) => !f.includes('"t":"ack"') && !f.includes('"t":"ping"');
    const sends = ['pay-1', 'pay-2'].map((d) => track(client.send(d)));
    await settle();
    assert.deepEqual(received.map((m) => [m.seq, m.data]), [[1, 'pay-1'], [2, 'pay-2']]);
    assert.equal(client.outboxSize, 2);
    loopback.refusing = true;
    loopback.cut();
    await advance(2_500); // the server expires the detached session meanwhile
    assert.equal(engine.stats().sessions, 0);
    loopback.refusing = false;
    loopback.toClient = () => true;
    await advance(1_500);
    assert.equal(client.ready, true);
    const info = events.first('session').at(-1);
    assert.deepEqual(info, { id: client.sessionId, resumed: false, reason: 'unknown-session', previousId: firstId });
    assert.deepEqual(received.map((m) => m.data), ['pay-1', 'pay-2'], 'the resends were recognised by key');
    assert.equal(engine.stats().deduplicated, 2);
    assert.deepEqual(sends.map((t) => t.state), ['resolved', 'resolved']);
    client.close();
  });

  it('goaway with retryAfter on a drain, then a resume on another engine sharing the store and broker', async () => {
    const deps = { store: new InMemorySessionStore(), broker: new InMemoryBroker() };
    const { client, clock, loopback, engine, events, sessions, advance, watch, received } = world({ deps });
    await settle();
    const session = sessions[0];
    assert.ok(session);
    void session.send('before-drain');
    await settle();
    const other = engineOn(clock, {}, deps);
    watch(other);
    loopback.target = other;
    const drained = engine.close({ drain: 0 });
    await settle();
    const reconnecting = events.first('reconnecting').at(-1);
    assert.ok(reconnecting && reconnecting.delay >= 500, `waits the goaway's retryAfter: ${JSON.stringify(reconnecting)}`);
    assert.equal(events.first('close').at(-1)?.code, 1012);
    await advance(499);
    assert.equal(client.ready, false);
    await advance(1_500);
    await drained;
    assert.equal(client.ready, true);
    assert.equal(events.first('session').at(-1)?.resumed, true, 'another engine resumed it from the store');
    assert.equal(other.stats().sessions, 1);
    const moved = sessions.at(-1);
    assert.ok(moved && moved !== session);
    assert.equal(moved.id, session.id);
    void moved.send('after-drain');
    const up = track(client.send('to-the-other'));
    await settle();
    assert.deepEqual(events.first('message'), ['before-drain', 'after-drain']);
    assert.equal(up.state, 'resolved');
    assert.deepEqual(received.map((m) => m.data), ['to-the-other']);
    client.close();
    await other.close({ drain: 0 });
  });

  it('probes: a doubtful link is pinged, the pong measures the round trip, and nothing reconnects', async () => {
    const { client, events, signal, engine } = world();
    await settle();
    signal('online');
    await settle();
    assert.equal(events.first('heartbeat').length, 1);
    assert.equal(typeof client.rtt, 'number');
    assert.equal(events.first('close').length, 0);
    assert.equal(engine.stats().accepted, 1);
    client.close();
  });

  it('acks carried in pongs settle sends, with no ack frame at all', async () => {
    const { client, loopback, signal, received } = world();
    await settle();
    loopback.toClient = (f) => !f.startsWith('{"t":"ack"');
    const sent = track(client.send('acked-by-pong'));
    await settle();
    assert.equal(received.length, 1);
    assert.equal(sent.state, 'pending');
    signal('visible'); // a probe: the server's pong carries its cumulative ack
    await settle();
    assert.equal(sent.state, 'resolved');
    client.close();
  });

  it('refusals: a reused key with another payload rejects with key-conflict, and a refusal lost with its link still rejects', async () => {
    const { client, loopback, received, advance } = world();
    await settle();
    const first = track(client.send({ amount: 10 }, { key: 'order-7' }));
    const resend = track(client.send({ amount: 10 }, { key: 'order-7' }));
    const conflicting = track(client.send({ amount: 99 }, { key: 'order-7' }));
    await settle();
    assert.deepEqual([first.state, resend.state], ['resolved', 'resolved'], 'a resend of the same payload is a duplicate, acked');
    assert.match(conflicting.state, /^rejected: .*key-conflict/);
    assert.equal(received.length, 1);
    // The error frame and the ack are lost with the link: the welcome of the resume says it again.
    loopback.toClient = (f) => !f.startsWith('{"t":"error"') && !f.startsWith('{"t":"ack"');
    const lost = track(client.send({ amount: 5 }, { key: 'order-7' }));
    await settle();
    assert.equal(lost.state, 'pending');
    loopback.toClient = () => true;
    loopback.cut();
    await advance(1_500);
    assert.match(lost.state, /^rejected: .*key-conflict/);
    assert.equal(received.length, 1, 'never applied');
    client.close();
  });

  it('4029: what the server took is acked, the rest is resent after the retryAfter, each applied once in order', async () => {
    const { client, engine, received, events, advance } = world({ server: { rateLimit: { perSecond: 10, burst: 5 } } });
    const sends = Array.from({ length: 12 }, (_, i) => track(client.send(`m${i + 1}`)));
    await advance(10_000);
    assert.ok(engine.stats().rateLimited >= 2, `rate limited ${engine.stats().rateLimited} times`);
    assert.ok(events.first('close').some((c) => c.code === 4029));
    assert.deepEqual(received.map((m) => m.data), Array.from({ length: 12 }, (_, i) => `m${i + 1}`));
    assert.ok(sends.every((t) => t.state === 'resolved'));
    assert.ok(events.first('session').slice(1).every((info) => info.resumed), 'every reconnect resumed');
    client.close();
  });
});
