// Session engine against fake connections and a fake clock: the sweep and the per-connection limits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, type Json } from '@lifeline/protocol';
import type { Session, SessionEndReason } from '@lifeline/server';
import { flush, setup } from './fakes.js';
import { ref, settled } from './helpers.js';

describe('sweep', () => {
  const hb = { interval: 1000, timeout: 500 };

  it('pings every interval with the ack, and keeps a responsive client forever', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = await hello();
    conn.push({ t: 'msg', seq: 1, data: 'x' });
    await flush();
    for (let i = 0; i < 40; i++) {
      clock.advance(250);
      const pings = conn.ofType('ping').length;
      if (pings > 0 && conn.frames.at(-1)?.includes('"ping"')) conn.push({ t: 'pong', ack: 0 });
    }
    const pings = conn.ofType('ping');
    assert.ok(pings.length >= 9 && pings.length <= 10, `pings: ${pings.length}`);
    assert.equal(pings[0]?.ack, 1);
    assert.equal(conn.terminated, false);
    assert.equal(engine.stats().terminated, 0);
  });

  it('terminates a silent connection within interval + timeout (one tick early at most); its session waits for resume', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = await hello();
    clock.advance(1374); // interval 1000 + timeout 500 - tick 125
    assert.equal(conn.terminated, false);
    clock.advance(126);
    assert.equal(conn.terminated, true);
    assert.deepEqual(conn.closes, []); // no close handshake
    assert.equal(engine.stats().terminated, 1);
    assert.equal(engine.sessions.size, 1);
    assert.equal((await hello(ref(conn, 0))).welcome().resumed, true);
  });

  it('uses one timer for all connections', async () => {
    const { clock, hello } = setup({ heartbeat: hb });
    const before = clock.pending;
    for (let i = 0; i < 50; i++) await hello();
    assert.equal(clock.pending, before);
    assert.equal(before, 1);
  });

  it('expires a detached session after the resume window and rejects its sends', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, resumeWindow: 5000 });
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = await hello();
    assert.ok(session);
    const p = session.send('lost?');
    conn.drop();
    clock.advance(4900);
    assert.deepEqual(ended, []);
    clock.advance(500);
    assert.deepEqual(ended, ['expired']);
    assert.equal(await settled(p), 'session-ended');
    assert.equal((await hello(ref(conn, 0))).welcome().reason, 'unknown-session');
  });

  it('stall guard: after the sweep fires late, nobody is terminated for the server’s own pause', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, resumeWindow: 3000 });
    const conns = [await hello(), await hello(), await hello()];
    const detached = await hello();
    detached.drop();
    clock.jump(10_000); // SIGSTOP of the server, far past every deadline
    clock.runDue();
    assert.equal(engine.stats().stalls, 1);
    assert.deepEqual(conns.map((c) => c.terminated), [false, false, false]);
    assert.equal(engine.sessions.size, 4);
    // They are pinged at once; those that answer live on, the silent one goes after a full deadline.
    for (const c of conns) assert.ok(c.ofType('ping').length >= 1);
    conns[0]?.push({ t: 'pong' });
    conns[1]?.push({ t: 'pong' });
    clock.advance(1000);
    conns[0]?.push({ t: 'pong' });
    conns[1]?.push({ t: 'pong' });
    clock.advance(1000);
    assert.deepEqual(conns.map((c) => c.terminated), [false, false, true]);
  });

  it('pings early when a session holds half of maxUnacked', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, maxUnacked: 10 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = await hello();
    for (let i = 0; i < 5; i++) void session?.send(i);
    clock.advance(125); // the next sweep tick, long before the 1 s interval
    assert.equal(conn.ofType('ping').length, 1);
  });

  it('terminates a connection that never completes its close handshake', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = await hello();
    conn.echoClose = false;
    engine.sessions.get(ref(conn, 0).id)?.close(4000, 'app');
    assert.equal(conn.closeCode, 4000);
    assert.equal(engine.stats().connections, 1);
    clock.advance(750);
    assert.equal(conn.terminated, true);
    assert.equal(engine.stats().connections, 0);
  });
});

describe('limits', () => {
  it('rate limit: goaway with retryAfter, then 4029; processed messages are acked and the session kept', async () => {
    const { engine, hello } = setup({ rateLimit: { perSecond: 10, burst: 5 } });
    const got: Json[] = [];
    engine.on('message', (_s, d) => got.push(d));
    const conn = await hello(); // token 1
    for (let seq = 1; seq <= 6; seq++) conn.push({ t: 'msg', seq, data: seq });
    await flush();
    assert.deepEqual(got, [1, 2, 3, 4]);
    const msgs = conn.messages().map((m) => m.t);
    assert.deepEqual(msgs.slice(-2), ['ack', 'goaway']);
    assert.deepEqual(conn.ofType('ack').map((a) => a.seq), [4]);
    assert.deepEqual(conn.ofType('goaway'), [{ t: 'goaway', code: CloseCode.RateLimited, reason: 'rate limited', retryAfter: 500 }]);
    assert.equal(conn.closeCode, CloseCode.RateLimited);
    assert.equal(engine.stats().rateLimited, 1);
    const again = await hello(ref(conn, 0));
    assert.equal(again.welcome().lastSeq, 4);
  });

  it('slow consumer: an outbound queue past maxOutboundBytes closes with 4008 and keeps the session', async () => {
    const { engine, hello } = setup({ maxOutboundBytes: 10_000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = await hello();
    conn.bufferedAmount = 10_001;
    void session?.send('x');
    await flush();
    assert.equal(conn.closeCode, CloseCode.SlowConsumer);
    assert.equal(engine.stats().slowConsumers, 1);
    assert.equal(engine.sessions.size, 1);
  });

  it('a resume replay may exceed the outbound cap until the queue first drains', async () => {
    const { engine, hello, connect } = setup({ maxOutboundBytes: 1000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = await hello();
    first.drop();
    for (let i = 0; i < 10; i++) void session?.send('x'.repeat(300));
    await flush();
    const resumed = connect();
    resumed.accumulate = true; // the replay stays queued
    resumed.push({ t: 'hello', v: 1, resume: ref(first, 0) });
    await flush();
    assert.equal(resumed.ofType('msg').length, 10);
    assert.ok(resumed.bufferedAmount > 3000);
    void session?.send('y');
    await flush();
    assert.equal(resumed.closeCode, undefined);
    resumed.accumulate = false;
    resumed.bufferedAmount = 500; // drained once
    void session?.send('z');
    await flush();
    resumed.bufferedAmount = 1500;
    void session?.send('w');
    await flush();
    assert.equal(resumed.closeCode, CloseCode.SlowConsumer);
  });

  it('over maxConnections: goaway with capacityRetryAfter, then 1013', () => {
    const { connect, engine } = setup({ maxConnections: 2 });
    connect();
    connect();
    const third = connect();
    assert.deepEqual(third.ofType('goaway'), [{ t: 'goaway', code: CloseCode.TryAgainLater, reason: 'over capacity', retryAfter: 2000 }]);
    assert.equal(third.closeCode, CloseCode.TryAgainLater);
    assert.equal(engine.stats().rejected, 1);
    assert.equal(engine.stats().connections, 2);
  });

  it('closes with 1008 after maxViolations rejected frames', async () => {
    const { hello } = setup({ maxViolations: 5 });
    const conn = await hello();
    for (let i = 0; i < 4; i++) conn.push('not json');
    assert.equal(conn.closeCode, undefined);
    conn.push('not json');
    assert.equal(conn.closeCode, CloseCode.PolicyViolation);
    assert.equal(conn.ofType('error').length, 5);
  });
});
