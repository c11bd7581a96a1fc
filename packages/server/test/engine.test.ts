// Session engine against fake connections and a fake clock: handshake, resume, delivery, bounds, sweep, bad input.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { CloseCode, ErrorCode, ResumeFailure, type Json } from '@lifeline/protocol';
import { SendError, createSessionEngine, resolveOptions, type Session, type SessionEndReason } from '../src/index.js';
import { flush, setup, type FakeConnection } from './fakes.js';

function ref(conn: FakeConnection, lastSeq: number): { id: string; token: string; lastSeq: number } {
  const w = conn.welcome();
  return { id: w.session.id, token: w.session.token, lastSeq };
}

function dataOf(conn: FakeConnection): Json[] {
  return conn.ofType('msg').map((m) => m.data);
}

async function settled(p: Promise<void>): Promise<'resolved' | string> {
  const state = await Promise.race([
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof SendError ? e.code : 'rejected'),
    ),
    flush().then(() => 'pending'),
  ]);
  return state;
}

describe('handshake', () => {
  it('answers hello with a fresh session', () => {
    const { engine, hello } = setup();
    const seen: Array<{ resumed: boolean; reason?: string }> = [];
    engine.on('session', (_s, info) => seen.push(info));
    const conn = hello();
    const w = conn.welcome();
    assert.equal(w.resumed, false);
    assert.equal(w.reason, ResumeFailure.New);
    assert.equal(w.lastSeq, 0);
    assert.deepEqual(w.heartbeat, { interval: 20_000, timeout: 10_000 });
    assert.equal(w.maxPayload, 65_536);
    assert.deepEqual(seen, [{ resumed: false, reason: 'new' }]);
    assert.equal(engine.sessions.size, 1);
    const session = engine.sessions.get(w.session.id);
    assert.equal(session?.identity, 'anonymous');
    // Logging a session never prints its token.
    assert.ok(!inspect(session, { depth: 5 }).includes(w.session.token));
    assert.ok(!JSON.stringify(session).includes(w.session.token));
    assert.equal(session?.connected, true);
  });

  it('answers a client probe ping with a pong carrying its ack, and takes the ping ack', async () => {
    const { engine, hello } = setup();
    const conn = hello();
    conn.welcome();
    conn.push({ t: 'msg', seq: 1, data: 'x' });
    const session = [...engine.sessions][0];
    assert.ok(session);
    const sent = session.send('y');
    conn.push({ t: 'ping', ack: 1 });
    assert.deepEqual(conn.ofType('pong').at(-1), { t: 'pong', ack: 1 });
    assert.equal(await settled(sent), 'resolved');
  });

  it('generates ids and tokens of at least 128 bits by default', () => {
    const engine = createSessionEngine({ origins: 'any' });
    const a = engine.options.generateId();
    const b = engine.options.generateId();
    assert.notEqual(a, b);
    assert.ok(Buffer.from(a, 'base64url').length >= 16);
    void engine.close({ drain: 0 });
  });

  it('closes with 4011 when no hello arrives within the handshake timeout (one sweep tick early at most)', () => {
    const { clock, connect } = setup({ handshakeTimeout: 1000 });
    const conn = connect();
    clock.advance(749); // the tick is 250 ms: a quarter of the shortest deadline
    assert.equal(conn.closeCode, undefined);
    clock.advance(251);
    assert.equal(conn.closeCode, CloseCode.HandshakeTimeout);
  });

  it('runs an async auth hook; null, a throw and a rejection close with 4001', async () => {
    const { hello } = setup({
      authenticate: async ({ auth }) => {
        if (auth === 'boom') throw new Error('do not log me');
        if (auth === 'reject') return Promise.reject(new Error('no'));
        return auth === 'good' ? 'alice' : null;
      },
    });
    const good = hello(undefined, 'good');
    const bad = hello(undefined, 'bad');
    const boom = hello(undefined, 'boom');
    const rejected = hello(undefined, 'reject');
    await flush();
    assert.equal(good.welcome().resumed, false);
    for (const c of [bad, boom, rejected]) assert.equal(c.closeCode, CloseCode.Unauthorized);
  });

  it('closes a sync auth failure with 4001 and counts it', () => {
    const { engine, hello } = setup({ authenticate: () => undefined });
    assert.equal(hello().closeCode, CloseCode.Unauthorized);
    assert.equal(engine.stats().authFailures, 1);
  });

  it('rejects an unsupported protocol version with 4005', () => {
    const { connect } = setup();
    const conn = connect();
    conn.push({ t: 'hello', v: 2 });
    assert.equal(conn.closeCode, CloseCode.UnsupportedVersion);
  });
});

describe('resume', () => {
  it('resumes with the right token and replays unacked messages in order before anything new', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = hello();
    assert.ok(session);
    const sends = ['a', 'b', 'c'].map((d) => session?.send(d));
    first.push({ t: 'ack', seq: 1 });
    first.drop();
    assert.equal(session.connected, false);
    const p4 = session.send('d'); // queued while detached
    const infos: boolean[] = [];
    engine.on('session', (s, info) => {
      infos.push(info.resumed);
      void s.send('e'); // new messages come after the replay
    });
    const second = hello(ref(first, 1));
    const w = second.welcome();
    assert.equal(w.resumed, true);
    assert.equal(w.reason, undefined);
    assert.equal(w.session.id, ref(first, 0).id);
    assert.deepEqual(second.ofType('msg').map((m) => [m.seq, m.data]), [[2, 'b'], [3, 'c'], [4, 'd'], [5, 'e']]);
    assert.deepEqual(infos, [true]);
    assert.equal(await settled(sends[0] ?? Promise.reject()), 'resolved');
    assert.equal(await settled(sends[1] ?? Promise.reject()), 'pending');
    second.push({ t: 'ack', seq: 4 });
    assert.equal(await settled(sends[2] ?? Promise.reject()), 'resolved');
    assert.equal(await settled(p4), 'resolved');
    assert.equal(engine.stats().resumed, 1);
  });

  it('treats hello.resume.lastSeq as an ack and replays only what the client lacks', () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = hello();
    for (const d of [1, 2, 3]) void session?.send(d);
    first.drop();
    const second = hello(ref(first, 2));
    assert.deepEqual(second.ofType('msg').map((m) => m.seq), [3]);
  });

  it('answers resumed:false with the reason for an unknown id, a wrong token, another identity, a bad position', () => {
    const { engine, hello } = setup({ authenticate: ({ auth }) => (typeof auth === 'string' ? auth : null) });
    const ended: SessionEndReason[] = [];
    engine.on('sessionclose', (_s, reason) => ended.push(reason));
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = hello(undefined, 'alice');
    const owner = session;
    void owner?.send('x');
    void owner?.send('y');
    first.drop();
    const good = ref(first, 0);
    const cases: Array<[{ id: string; token: string; lastSeq: number }, string, ResumeFailure]> = [
      [{ ...good, id: 'nope' }, 'alice', ResumeFailure.UnknownSession],
      [{ ...good, token: 'wrong-token' }, 'alice', ResumeFailure.BadToken],
      [good, 'mallory', ResumeFailure.IdentityMismatch],
    ];
    for (const [resume, auth, reason] of cases) {
      const conn = hello(resume, auth);
      const w = conn.welcome();
      assert.equal(w.resumed, false, reason);
      assert.equal(w.reason, reason);
      assert.notEqual(w.session.id, good.id);
      assert.equal(w.lastSeq, 0);
    }
    // None of those touched the real session.
    assert.equal(engine.sessions.get(good.id), owner);
    assert.deepEqual(ended, []);
    // The owner claiming messages never sent: fresh session, the old one is superseded.
    const ahead = hello({ ...good, lastSeq: 3 }, 'alice');
    assert.equal(ahead.welcome().reason, ResumeFailure.BadPosition);
    assert.deepEqual(ended, ['superseded']);
    assert.equal(engine.sessions.get(good.id), undefined);
    assert.equal(engine.stats().resumeFailed, 4);
  });

  it('answers bad-position when the client claims fewer messages than it already acknowledged', () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = hello();
    for (const d of [1, 2, 3]) void session?.send(d);
    first.push({ t: 'ack', seq: 3 });
    first.drop();
    assert.equal(hello(ref(first, 1)).welcome().reason, ResumeFailure.BadPosition);
  });

  it('a newer connection for the same session replaces the older one with 1001', () => {
    const { engine, hello } = setup();
    const first = hello();
    const second = hello(ref(first, 0));
    assert.equal(second.welcome().resumed, true);
    assert.deepEqual(first.closes, [{ code: CloseCode.GoingAway, reason: 'replaced' }]);
    const session = engine.sessions.get(ref(first, 0).id);
    assert.equal(session?.connected, true);
    void session?.send('to-second');
    assert.deepEqual(dataOf(second), ['to-second']);
    assert.deepEqual(dataOf(first), []);
  });
});

describe('delivery, client to application', () => {
  it('delivers exactly once in seq order: duplicates dropped and acked, gaps rejected', async () => {
    const { engine, hello } = setup();
    const got: Array<[Json, number]> = [];
    engine.on('message', (_s, data, meta) => got.push([data, meta.seq]));
    const conn = hello();
    for (const seq of [1, 2, 2, 1]) conn.push({ t: 'msg', seq, data: `m${seq}` });
    conn.push({ t: 'msg', seq: 4, data: 'm4' });
    conn.push({ t: 'msg', seq: 3, data: 'm3' });
    await flush();
    assert.deepEqual(got, [['m1', 1], ['m2', 2], ['m3', 3]]);
    const errors = conn.ofType('error');
    assert.deepEqual(errors.map((e) => [e.code, e.seq]), [[ErrorCode.SequenceGap, 4]]);
    // One ack for the whole batch.
    assert.deepEqual(conn.ofType('ack').map((a) => a.seq), [3]);
    assert.equal(engine.stats().duplicates, 2);
    // After a resume the client learns lastSeq 3 and resends from 4; a stale replay of 3 is dropped.
    conn.drop();
    const again = hello(ref(conn, 0));
    assert.equal(again.welcome().lastSeq, 3);
    again.push({ t: 'msg', seq: 3, data: 'm3' });
    again.push({ t: 'msg', seq: 4, data: 'm4' });
    await flush();
    assert.deepEqual(got.map(([, seq]) => seq), [1, 2, 3, 4]);
    assert.deepEqual(again.ofType('ack').map((a) => a.seq), [4]);
  });

  it('applies an idempotency key once per identity, across fresh sessions, until the window passes', async () => {
    const { clock, engine, hello } = setup({
      authenticate: ({ auth }) => (typeof auth === 'string' ? auth : null),
      resumeWindow: 1000,
      dedupeWindow: 2000,
      heartbeat: { interval: 100_000, timeout: 100_000 },
    });
    const got: string[] = [];
    engine.on('message', (s, data) => got.push(`${s.identity}:${String(data)}`));
    const a1 = hello(undefined, 'alice');
    a1.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    // A fresh session (resumed: false): the client resends with a new seq and the same key.
    const a2 = hello(undefined, 'alice');
    a2.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    const b = hello(undefined, 'bob');
    b.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    await flush();
    assert.deepEqual(got, ['alice:pay', 'bob:pay']);
    assert.deepEqual(a2.ofType('ack').map((x) => x.seq), [1]); // acked though not delivered
    assert.equal(engine.stats().deduplicated, 1);
    clock.advance(2500);
    const a3 = hello(undefined, 'alice');
    a3.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    assert.deepEqual(got, ['alice:pay', 'bob:pay', 'alice:pay']);
  });
});

describe('delivery, application to client', () => {
  it('acks and pong acks release the buffer and resolve send promises', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = hello();
    assert.ok(session);
    const p = [session.send(1), session.send(2), session.send(3)];
    conn.push({ t: 'ack', seq: 2 });
    assert.deepEqual(await Promise.all(p.map((x) => settled(x))), ['resolved', 'resolved', 'pending']);
    conn.push({ t: 'pong', ack: 3 });
    assert.equal(await settled(p[2] ?? Promise.reject()), 'resolved');
    conn.push({ t: 'ack', seq: 9 });
    assert.deepEqual(conn.ofType('error').map((e) => e.code), [ErrorCode.BadMessage]);
  });

  it('past maxUnacked ends the session with 4010 and rejects every pending send', async () => {
    const { engine, hello } = setup({ maxUnacked: 3 });
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = hello();
    assert.ok(session);
    const p = [1, 2, 3, 4].map((d) => session?.send(d) ?? Promise.reject());
    assert.deepEqual(await Promise.all(p.map((x) => settled(x))), ['overflow', 'overflow', 'overflow', 'overflow']);
    assert.equal(conn.closeCode, CloseCode.SessionOverflow);
    assert.deepEqual(ended, ['overflow']);
    assert.equal(engine.sessions.size, 0);
    assert.equal(await settled(session.send(5)), 'session-ended');
    const again = hello(ref(conn, 0));
    assert.equal(again.welcome().reason, ResumeFailure.UnknownSession);
  });

  it('past maxUnackedBytes ends the session with 4010, also while detached', async () => {
    const { engine, hello } = setup({ maxUnackedBytes: 1000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = hello();
    conn.drop();
    assert.ok(session);
    const first = session.send('x'.repeat(600));
    const second = session.send('x'.repeat(600));
    assert.equal(await settled(first), 'overflow');
    assert.equal(await settled(second), 'overflow');
    assert.equal(session.ended, true);
  });

  it('rejects a message larger than maxPayload without ending the session', async () => {
    const { engine, hello } = setup({ maxPayload: 1024 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    hello();
    assert.ok(session);
    assert.equal(await settled(session.send('x'.repeat(2000))), 'payload-too-large');
    assert.equal(session.ended, false);
    await assert.rejects(session.send(undefined as unknown as Json), TypeError);
  });

  it('broadcast reaches every live session, attached or waiting for resume', () => {
    const { engine, hello } = setup();
    const a = hello();
    const b = hello();
    b.drop();
    assert.equal(engine.broadcast({ n: 1 }), 2);
    assert.deepEqual(dataOf(a), [{ n: 1 }]);
    const b2 = hello(ref(b, 0));
    assert.deepEqual(dataOf(b2), [{ n: 1 }]);
  });

  it('bye ends the session with 1000 and rejects its sends', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = hello();
    assert.ok(session);
    const p = session.send('unacked');
    conn.push({ t: 'bye' });
    assert.equal(conn.closeCode, CloseCode.Normal);
    assert.deepEqual(ended, ['bye']);
    assert.equal(await settled(p), 'session-ended');
  });
});

describe('sweep', () => {
  const hb = { interval: 1000, timeout: 500 };

  it('pings every interval with the ack, and keeps a responsive client forever', () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = hello();
    conn.push({ t: 'msg', seq: 1, data: 'x' });
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

  it('terminates a silent connection within interval + timeout (one tick early at most); its session waits for resume', () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = hello();
    clock.advance(1374); // interval 1000 + timeout 500 - tick 125
    assert.equal(conn.terminated, false);
    clock.advance(126);
    assert.equal(conn.terminated, true);
    assert.deepEqual(conn.closes, []); // no close handshake
    assert.equal(engine.stats().terminated, 1);
    assert.equal(engine.sessions.size, 1);
    assert.equal(hello(ref(conn, 0)).welcome().resumed, true);
  });

  it('uses one timer for all connections', () => {
    const { clock, hello } = setup({ heartbeat: hb });
    const before = clock.pending;
    for (let i = 0; i < 50; i++) hello();
    assert.equal(clock.pending, before);
    assert.equal(before, 1);
  });

  it('expires a detached session after the resume window and rejects its sends', async () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, resumeWindow: 5000 });
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = hello();
    assert.ok(session);
    const p = session.send('lost?');
    conn.drop();
    clock.advance(4900);
    assert.deepEqual(ended, []);
    clock.advance(500);
    assert.deepEqual(ended, ['expired']);
    assert.equal(await settled(p), 'session-ended');
    assert.equal(hello(ref(conn, 0)).welcome().reason, ResumeFailure.UnknownSession);
  });

  it('stall guard: after the sweep fires late, nobody is terminated for the server’s own pause', () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, resumeWindow: 3000 });
    const conns = [hello(), hello(), hello()];
    const detached = hello();
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

  it('pings early when a session holds half of maxUnacked', () => {
    const { clock, engine, hello } = setup({ heartbeat: hb, maxUnacked: 10 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = hello();
    for (let i = 0; i < 5; i++) void session?.send(i);
    clock.advance(125); // the next sweep tick, long before the 1 s interval
    assert.equal(conn.ofType('ping').length, 1);
  });

  it('terminates a connection that never completes its close handshake', () => {
    const { clock, engine, hello } = setup({ heartbeat: hb });
    const conn = hello();
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
  it('rate limit: goaway with retryAfter, then 4029; processed messages are acked and the session kept', () => {
    const { engine, hello } = setup({ rateLimit: { perSecond: 10, burst: 5 } });
    const got: Json[] = [];
    engine.on('message', (_s, d) => got.push(d));
    const conn = hello(); // token 1
    for (let seq = 1; seq <= 6; seq++) conn.push({ t: 'msg', seq, data: seq });
    assert.deepEqual(got, [1, 2, 3, 4]);
    const msgs = conn.messages().map((m) => m.t);
    assert.deepEqual(msgs.slice(-2), ['ack', 'goaway']);
    assert.deepEqual(conn.ofType('ack').map((a) => a.seq), [4]);
    assert.deepEqual(conn.ofType('goaway'), [{ t: 'goaway', code: CloseCode.RateLimited, reason: 'rate limited', retryAfter: 500 }]);
    assert.equal(conn.closeCode, CloseCode.RateLimited);
    assert.equal(engine.stats().rateLimited, 1);
    const again = hello(ref(conn, 0));
    assert.equal(again.welcome().lastSeq, 4);
  });

  it('slow consumer: an outbound queue past maxOutboundBytes closes with 4008 and keeps the session', () => {
    const { engine, hello } = setup({ maxOutboundBytes: 10_000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = hello();
    conn.bufferedAmount = 10_001;
    void session?.send('x');
    assert.equal(conn.closeCode, CloseCode.SlowConsumer);
    assert.equal(engine.stats().slowConsumers, 1);
    assert.equal(engine.sessions.size, 1);
  });

  it('a resume replay may exceed the outbound cap until the queue first drains', () => {
    const { engine, hello, connect } = setup({ maxOutboundBytes: 1000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = hello();
    first.drop();
    for (let i = 0; i < 10; i++) void session?.send('x'.repeat(300));
    const resumed = connect();
    resumed.accumulate = true; // the replay stays queued
    resumed.push({ t: 'hello', v: 1, resume: ref(first, 0) });
    assert.equal(resumed.ofType('msg').length, 10);
    assert.ok(resumed.bufferedAmount > 3000);
    void session?.send('y');
    assert.equal(resumed.closeCode, undefined);
    resumed.accumulate = false;
    resumed.bufferedAmount = 500; // drained once
    void session?.send('z');
    resumed.bufferedAmount = 1500;
    void session?.send('w');
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

  it('closes with 1008 after maxViolations rejected frames', () => {
    const { hello } = setup({ maxViolations: 5 });
    const conn = hello();
    for (let i = 0; i < 4; i++) conn.push('not json');
    assert.equal(conn.closeCode, undefined);
    conn.push('not json');
    assert.equal(conn.closeCode, CloseCode.PolicyViolation);
    assert.equal(conn.ofType('error').length, 5);
  });
});

describe('bad input never crashes', () => {
  it('answers each bad frame with the right error and keeps the connection', () => {
    const { engine, connect, hello } = setup({ maxViolations: 100 });
    const errors: unknown[] = [];
    engine.on('error', (e) => errors.push(e));
    const early = connect();
    early.push({ t: 'msg', seq: 1, data: 1 });
    assert.deepEqual(early.ofType('error').map((e) => e.code), [ErrorCode.NotReady]);

    const conn = hello();
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const inputs: Array<[string | Uint8Array, boolean, string]> = [
      [new Uint8Array([1, 2, 3]), true, ErrorCode.BadFrame],
      ['{nope', false, ErrorCode.BadJson],
      ['{"t":"launch"}', false, ErrorCode.UnknownType],
      ['[1,2]', false, ErrorCode.BadMessage],
      [`{"t":"msg","seq":1,"data":${deep}}`, false, ErrorCode.TooDeep],
      [`{"t":"msg","seq":1,"data":"${'x'.repeat(70_000)}"}`, false, ErrorCode.TooLarge],
      ['{"t":"msg","seq":1,"data":{"__proto__":{"polluted":1}}}', false, ErrorCode.ForbiddenKey],
      ['{"t":"msg","seq":1,"data":{"constructor":{"prototype":{"polluted":1}}}}', false, ErrorCode.ForbiddenKey],
      ['{"t":"msg","seq":-1,"data":1}', false, ErrorCode.BadMessage],
      [new TextEncoder().encode('{"t":"ack","seq":"x"}'), false, ErrorCode.BadMessage],
    ];
    for (const [data, binary, code] of inputs) {
      assert.doesNotThrow(() => conn.handle?.receive(data, binary));
      assert.equal(conn.ofType('error').at(-1)?.code, code, `for ${String(data).slice(0, 40)}`);
    }
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(conn.closeCode, undefined);
    assert.deepEqual(errors, []);
    assert.equal(engine.stats().violations, inputs.length + 1);
  });

  it('closes a second hello with 4400', () => {
    const { hello } = setup();
    const conn = hello();
    conn.push({ t: 'hello', v: 1 });
    assert.equal(conn.closeCode, CloseCode.BadRequest);
  });

  it('a listener that throws is reported on the error event; delivery and acks continue', async () => {
    const { engine, hello } = setup();
    const errors: string[] = [];
    engine.on('error', (_e, context) => errors.push(context));
    engine.on('message', () => {
      throw new Error('app bug');
    });
    const conn = hello();
    conn.push({ t: 'msg', seq: 1, data: 1 });
    conn.push({ t: 'msg', seq: 2, data: 2 });
    await flush();
    assert.equal(errors.length, 2);
    assert.match(errors[0] ?? '', /message/);
    assert.deepEqual(conn.ofType('ack').map((a) => a.seq), [2]);
  });

  it('frames after close and closes after close are ignored', () => {
    const { hello } = setup();
    const conn = hello();
    conn.drop();
    assert.doesNotThrow(() => {
      conn.push({ t: 'msg', seq: 1, data: 1 });
      conn.drop();
    });
    assert.equal(conn.ofType('ack').length, 0);
  });
});

describe('drain', () => {
  it('closes every connection with goaway + 1012 spread over the window, then ends sessions', async () => {
    const { clock, engine, hello, connect } = setup({ random: (() => { let i = 0; return () => [0.9, 0.1, 0.5][i++ % 3] ?? 0; })() });
    const conns = [hello(), hello(), hello()];
    const ended: SessionEndReason[] = [];
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const done = engine.close({ drain: 1000 });
    assert.equal(engine.state, 'draining');
    const closedAt: number[] = [];
    for (let t = 0; t < 1000; t += 50) {
      clock.advance(50);
      conns.forEach((c, i) => {
        if (c.closeCode !== undefined && closedAt[i] === undefined) closedAt[i] = t + 50;
      });
    }
    assert.deepEqual(closedAt, [900, 100, 500]);
    for (const c of conns) {
      assert.equal(c.closeCode, CloseCode.ServiceRestart);
      assert.deepEqual(c.ofType('goaway'), [{ t: 'goaway', code: 1012, reason: 'service restart', retryAfter: 500 }]);
    }
    await done;
    assert.equal(engine.state, 'closed');
    assert.deepEqual(ended, ['shutdown', 'shutdown', 'shutdown']);
    assert.equal(clock.pending, 0);
    const late = connect();
    assert.equal(late.closeCode, CloseCode.ServiceRestart);
  });

  it('drops peers that do not finish the close handshake within the grace after the window', async () => {
    const { clock, engine, hello } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const stuck = hello();
    stuck.echoClose = false;
    let done = false;
    const closing = engine.close({ drain: 0 }).then(() => (done = true));
    assert.equal(stuck.closeCode, CloseCode.ServiceRestart);
    clock.advance(499);
    await flush();
    assert.equal(done, false);
    clock.advance(1);
    await closing;
    assert.equal(stuck.terminated, true);
  });
});

describe('options', () => {
  it('requires an origin policy and validates values', () => {
    assert.throws(() => resolveOptions({} as unknown as Parameters<typeof resolveOptions>[0]), TypeError);
    assert.throws(() => resolveOptions({ origins: ['*'] }), TypeError);
    assert.throws(() => resolveOptions({ origins: ['https://a.example/'] }), /exactly scheme/);
    assert.throws(() => resolveOptions({ origins: 'any', resumeWindow: 10_000, dedupeWindow: 5_000 }), RangeError);
    assert.throws(() => resolveOptions({ origins: 'any', heartbeat: { interval: 0 } }), RangeError);
    assert.throws(() => resolveOptions({ origins: 'any', rateLimit: { perSecond: -1 } }), RangeError);
    const o = resolveOptions({ origins: ['https://a.example'], heartbeat: { interval: 30 } });
    assert.deepEqual(o.heartbeat, { interval: 30, timeout: 10_000 });
    assert.equal(o.allowMissingOrigin, true);
    assert.equal(o.maxConnections, Infinity);
    assert.deepEqual(
      [o.resumeWindow, o.dedupeWindow, o.maxUnacked, o.maxUnackedBytes, o.maxPayload, o.maxOutboundBytes, o.maxViolations, o.handshakeTimeout, o.drainWindow],
      [300_000, 600_000, 10_000, 8 * 1024 * 1024, 65_536, 1024 * 1024, 20, 10_000, 10_000],
    );
    assert.deepEqual(o.rateLimit, { perSecond: 50, burst: 1200 });
  });
});
