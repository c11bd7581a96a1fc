// Limits that hold across reconnects and identities: rate per session and identity, keys per identity, session bounds, per-address caps.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode, type Json } from '@lifeline/protocol';
import type { Session, SessionEndReason } from '@lifeline/server';
import { flush, setup, type FakeConnection } from './fakes.js';
import { ref } from './helpers.js';

const byAuth = ({ auth }: { auth: unknown }): string | null => (typeof auth === 'string' ? auth : null);

/** Push `n` messages from seq `from` (keys `k<seq>` unless `keyed` is false). */
function burst(conn: FakeConnection, from: number, n: number, keyed = true): void {
  for (let seq = from; seq < from + n; seq++) conn.push({ t: 'msg', seq, data: seq, ...(keyed ? { key: `k${seq}` } : {}) });
}

describe('rate limits hold across reconnects and identities', () => {
  it('the session bucket survives a resume: reconnecting does not refill it', async () => {
    const { engine, hello } = setup({ rateLimit: { perSecond: 10, burst: 5 } });
    const got: Json[] = [];
    engine.on('message', (_s, d) => got.push(d));
    const first = await hello(); // the hello takes the first token of the session's bucket
    burst(first, 1, 3, false);
    await flush();
    first.drop();
    const second = await hello(ref(first, 0)); // its own hello is the new connection's, not the session's
    burst(second, 4, 3, false);
    await flush();
    assert.deepEqual(got, [1, 2, 3, 4], 'one token was left for the resumed session, not a fresh bucket');
    assert.equal(second.closeCode, CloseCode.RateLimited);
    assert.deepEqual(second.ofType('goaway').map((g) => g.retryAfter), [500]);
  });

  it('an identity shares one message budget across all its sessions; another identity keeps its own', async () => {
    const { engine, hello } = setup({ authenticate: byAuth, identityRateLimit: { perSecond: 10, burst: 6 }, rateLimit: { perSecond: 1000, burst: 1000 } });
    const got: string[] = [];
    engine.on('message', (s, d) => got.push(`${s.identity}:${String(d)}`));
    const alice = [await hello(undefined, 'alice'), await hello(undefined, 'alice'), await hello(undefined, 'alice')];
    for (const conn of alice) burst(conn, 1, 2, false);
    await flush();
    assert.equal(got.length, 6);
    burst(alice[0] as FakeConnection, 3, 1, false);
    await flush();
    assert.equal(alice[0]?.closeCode, CloseCode.RateLimited);
    assert.deepEqual(alice[0]?.ofType('goaway').map((g) => g.retryAfter), [600]);
    const bob = await hello(undefined, 'bob');
    burst(bob, 1, 3);
    await flush();
    assert.equal(got.filter((g) => g.startsWith('bob:')).length, 3);
    assert.equal(bob.closeCode, undefined);
  });

  it('without an auth hook the budget is per remote address; heartbeats do not spend it', async () => {
    const { engine, hello, clock } = setup({ identityRateLimit: { perSecond: 1, burst: 2 }, heartbeat: { interval: 1000, timeout: 1000 } });
    let n = 0;
    engine.on('message', () => n++);
    const a = await hello(undefined, undefined, '10.0.0.1');
    const b = await hello(undefined, undefined, '10.0.0.1');
    const other = await hello(undefined, undefined, '10.0.0.2');
    for (let i = 0; i < 5; i++) a.push({ t: 'pong' });
    a.push({ t: 'msg', seq: 1, data: 1 });
    b.push({ t: 'msg', seq: 1, data: 1 });
    await flush();
    assert.equal(n, 2);
    b.push({ t: 'msg', seq: 2, data: 2 });
    await flush();
    assert.equal(b.closeCode, CloseCode.RateLimited);
    other.push({ t: 'msg', seq: 1, data: 1 });
    await flush();
    assert.equal(n, 3, 'another address is not limited');
    clock.advance(100);
  });
});

describe('idempotency keys are bounded per identity, never evicted', () => {
  it('past its own bound an identity is refused with too-many-keys; another identity\'s keys stay', async () => {
    const { engine, hello } = setup({ authenticate: byAuth, dedupeMaxKeysPerIdentity: 3, rateLimit: { perSecond: 1000, burst: 1000 } });
    const got: string[] = [];
    engine.on('message', (s, d) => got.push(`${s.identity}:${String(d)}`));
    const victim = await hello(undefined, 'victim');
    victim.push({ t: 'msg', seq: 1, data: 'pay', key: 'order-1' });
    const flooder = await hello(undefined, 'flooder');
    burst(flooder, 1, 5);
    await flush();
    assert.deepEqual(got, ['victim:pay', 'flooder:1', 'flooder:2', 'flooder:3']);
    assert.deepEqual(flooder.ofType('error').map((e) => [e.code, e.seq]), [[ErrorCode.TooManyKeys, 4], [ErrorCode.TooManyKeys, 5]]);
    assert.deepEqual(flooder.ofType('ack').at(-1), { t: 'ack', seq: 5 }, 'the seqs are consumed: the session goes on');
    assert.equal(engine.stats().refused, 2);
    // The victim's resend into a fresh session is still recognised: applied once.
    const again = await hello(undefined, 'victim');
    again.push({ t: 'msg', seq: 1, data: 'pay', key: 'order-1' });
    await flush();
    assert.equal(got.filter((g) => g === 'victim:pay').length, 1);
    assert.equal(engine.stats().deduplicated, 1);
  });

  it('keys settle once a pong shows the client read their acks: at the bound the oldest settled makes room, unsettled ones never do', async () => {
    const { engine, hello, clock } = setup({ authenticate: byAuth, dedupeMaxKeysPerIdentity: 3, heartbeat: { interval: 1000, timeout: 1000 } });
    const got: Json[] = [];
    engine.on('message', (_s, d) => got.push(d));
    const conn = await hello(undefined, 'alice');
    burst(conn, 1, 3);
    await flush();
    clock.advance(1000); // the sweep's ping carries ack 3
    assert.deepEqual(conn.ofType('ping').at(-1), { t: 'ping', ack: 3 });
    conn.push({ t: 'pong' }); // k1..k3 settled
    await flush();
    burst(conn, 4, 3); // each takes the place of the oldest settled key: k1, k2, k3
    await flush();
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(conn.ofType('error'), [], 'an identity that answers pings is never refused for keys');
    burst(conn, 7, 1); // k4..k6 wait for their acks to be confirmed: no room
    await flush();
    assert.deepEqual(conn.ofType('error').map((e) => [e.code, e.seq]), [[ErrorCode.TooManyKeys, 7]]);
    conn.drop();
    const fresh = await hello(undefined, 'alice');
    fresh.push({ t: 'msg', seq: 1, data: 5, key: 'k5' }); // a resend of an unconfirmed message
    await flush();
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6], 'an unsettled key is never forgotten: the resend is a duplicate');
    assert.equal(engine.stats().deduplicated, 1);
  });

  it('a reused key with another payload is refused with key-conflict, and the same payload is a duplicate', async () => {
    const { engine, hello } = setup();
    const got: Json[] = [];
    engine.on('message', (_s, d) => got.push(d));
    const conn = await hello();
    conn.push({ t: 'msg', seq: 1, data: { amount: 10 }, key: 'k' });
    conn.push({ t: 'msg', seq: 2, data: { amount: 99 }, key: 'k' });
    conn.push({ t: 'msg', seq: 3, data: { amount: 10 }, key: 'k' });
    await flush();
    assert.deepEqual(got, [{ amount: 10 }]);
    assert.deepEqual(conn.ofType('error').map((e) => [e.code, e.seq]), [[ErrorCode.KeyConflict, 2]]);
    assert.deepEqual(conn.ofType('ack').at(-1), { t: 'ack', seq: 3 });
  });

  it('a refusal whose error frame was lost comes again in the welcome of the resume', async () => {
    const { hello } = setup();
    const conn = await hello();
    conn.push({ t: 'msg', seq: 1, data: 'a', key: 'k' });
    conn.push({ t: 'msg', seq: 2, data: 'b', key: 'k' });
    await flush();
    conn.drop();
    const again = await hello(ref(conn, 0));
    assert.deepEqual(again.welcome().refused, [{ seq: 2, code: ErrorCode.KeyConflict }]);
  });
});

describe('refusals reach the client for certain', () => {
  it('a pong to a later ping confirms them, so the next welcome stops repeating them', async () => {
    const { hello, clock } = setup({ dedupeMaxKeysPerIdentity: 1, heartbeat: { interval: 1000, timeout: 1000 } });
    const conn = await hello();
    burst(conn, 1, 4);
    await flush();
    assert.deepEqual(conn.ofType('error').map((e) => e.seq), [2, 3, 4]);
    conn.drop();
    const second = await hello(ref(conn, 0));
    assert.deepEqual(second.welcome().refused?.map((r) => r.seq), [2, 3, 4], 'lost with the link: told again');
    clock.advance(1000); // the sweep's ping
    assert.equal(second.ofType('ping').length, 1);
    second.push({ t: 'pong' });
    second.drop();
    const third = await hello(ref(second, 0));
    assert.equal(third.welcome().refused, undefined, 'the pong showed the client had them');
  });

  it('past the refusals it keeps, a session takes nothing more until the client catches up (4029), and loses nothing', async () => {
    const { engine, hello } = setup({ dedupeMaxKeysPerIdentity: 1, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    let refused = 0;
    const conn = await hello();
    burst(conn, 1, 300);
    await flush();
    refused = conn.ofType('error').length;
    assert.equal(refused, 256);
    assert.equal(conn.closeCode, CloseCode.RateLimited);
    const again = await hello(ref(conn, 0));
    assert.equal(again.welcome().lastSeq, 257, 'the first key and 256 refusals were taken; the rest is for the resend');
    assert.equal(again.welcome().refused?.length, 256);
    assert.equal(engine.stats().refused, 256);
  });
});

describe('sessions are bounded in number and detached bytes', () => {
  it('past maxSessions the session detached the longest is evicted; with none detached the hello gets 1013', async () => {
    const { engine, hello } = setup({ maxSessions: 2 });
    const ended: Array<[string, SessionEndReason]> = [];
    engine.on('sessionclose', (s, r) => ended.push([s.id, r]));
    const a = await hello();
    const b = await hello();
    a.drop();
    const c = await hello();
    assert.equal(c.welcome().resumed, false);
    assert.deepEqual(ended, [[ref(a, 0).id, 'evicted']]);
    const d = await hello();
    assert.equal(d.closeCode, CloseCode.TryAgainLater, 'b and c are attached: nothing to evict');
    assert.equal(b.closeCode, undefined);
  });

  it('buffers for detached sessions are bounded in all: the longest detached go first', async () => {
    const { engine, hello } = setup({ maxDetachedBytes: 2000 });
    const ended: SessionEndReason[] = [];
    let sessions: Session[] = [];
    engine.on('session', (s) => (sessions = [...sessions, s]));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conns = [await hello(), await hello(), await hello()];
    for (const c of conns) c.drop();
    await engine.broadcast('x'.repeat(500)); // ~530 bytes each: 1.6 kB detached
    await flush();
    assert.deepEqual(ended, []);
    await engine.broadcast('y'.repeat(500)); // 3.2 kB: the first two detached are evicted
    await flush();
    assert.deepEqual(ended, ['evicted', 'evicted']);
    assert.deepEqual(sessions.map((s) => s.ended), [true, true, false]);
    const kept = await hello(ref(conns[2] as FakeConnection, 0));
    assert.equal(kept.ofType('msg').length, 2, 'the one kept lost nothing');
  });

  it('without an auth hook sessions are capped per remote address', async () => {
    const { hello } = setup({ maxSessionsPerAddress: 2 });
    const one = await hello(undefined, undefined, '10.0.0.9');
    const two = await hello(undefined, undefined, '10.0.0.9');
    const three = await hello(undefined, undefined, '10.0.0.9');
    const elsewhere = await hello(undefined, undefined, '10.0.0.10');
    assert.equal(three.closeCode, CloseCode.TryAgainLater);
    for (const c of [one, two, elsewhere]) assert.equal(c.welcome().resumed, false);
  });

  it('maxConnectionsPerAddress refuses a connection over the cap with goaway + 1013', () => {
    const { connect, engine } = setup({ maxConnectionsPerAddress: 2 });
    connect('10.1.1.1');
    const second = connect('10.1.1.1');
    const third = connect('10.1.1.1');
    connect('10.1.1.2');
    assert.equal(third.closeCode, CloseCode.TryAgainLater);
    assert.equal(engine.stats().connections, 3);
    second.drop();
    assert.equal(connect('10.1.1.1').closeCode, undefined, 'a freed place is given again');
  });
});

describe('the resume token rotates', () => {
  it('every resume hands out a new token; the old one stops working once the client used the new one', async () => {
    const { hello } = setup();
    const first = await hello();
    const old = ref(first, 0);
    first.drop();
    const second = await hello(old);
    const rotated = ref(second, 0);
    assert.equal(second.welcome().resumed, true);
    assert.notEqual(rotated.token, old.token);
    second.push({ t: 'ping' }); // any frame: the client has the new token
    second.drop();
    const thief = await hello(old);
    assert.equal(thief.welcome().reason, 'bad-token');
    const owner = await hello(rotated);
    assert.equal(owner.welcome().resumed, true);
  });

  it('the owner\'s racing reconnect with the old token still resumes while the new one is unconfirmed', async () => {
    const { hello } = setup();
    const first = await hello();
    const old = ref(first, 0);
    first.drop();
    const lost = await hello(old); // its welcome never reaches the client
    lost.drop();
    const racing = await hello(old);
    assert.equal(racing.welcome().resumed, true);
    racing.push({ t: 'ping' });
    racing.drop();
    assert.equal((await hello(ref(lost, 0))).welcome().reason, 'bad-token', 'the token of the lost welcome is gone too');
  });
});
