// Session engine against fake connections and a fake clock: delivery in both directions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode, ResumeFailure, type Json } from '@lifeline/protocol';
import { InMemorySessionStore, type Session, type SessionEndReason, type SessionStore } from '@lifeline/server';
import { flush, setup } from './fakes.js';
import { dataOf, ref, settled } from './helpers.js';

describe('delivery, client to application', () => {
  it('delivers exactly once in seq order: duplicates dropped and acked, gaps rejected', async () => {
    const { engine, hello } = setup();
    const got: Array<[Json, number]> = [];
    engine.on('message', (_s, data, meta) => got.push([data, meta.seq]));
    const conn = await hello();
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
    const again = await hello(ref(conn, 0));
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
    const a1 = await hello(undefined, 'alice');
    a1.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    await flush();
    // A fresh session (resumed: false): the client resends with a new seq and the same key.
    const a2 = await hello(undefined, 'alice');
    a2.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    const b = await hello(undefined, 'bob');
    b.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    await flush();
    assert.deepEqual(got, ['alice:pay', 'bob:pay']);
    assert.deepEqual(a2.ofType('ack').map((x) => x.seq), [1]); // acked though not delivered
    assert.equal(engine.stats().deduplicated, 1);
    clock.advance(2500);
    const a3 = await hello(undefined, 'alice');
    a3.push({ t: 'msg', seq: 1, data: 'pay', key: 'k1' });
    await flush();
    assert.deepEqual(got, ['alice:pay', 'bob:pay', 'alice:pay']);
  });

  it('a listener that throws is reported on the error event; delivery and acks continue', async () => {
    const { engine, hello } = setup();
    const errors: string[] = [];
    engine.on('error', (_e, context) => errors.push(context));
    engine.on('message', () => {
      throw new Error('app bug');
    });
    const conn = await hello();
    conn.push({ t: 'msg', seq: 1, data: 1 });
    conn.push({ t: 'msg', seq: 2, data: 2 });
    await flush();
    assert.equal(errors.length, 2);
    assert.match(errors[0] ?? '', /message/);
    assert.deepEqual(conn.ofType('ack').map((a) => a.seq), [2]);
  });
});

describe('delivery, application to client', () => {
  it('acks and pong acks release the buffer and resolve send promises', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = await hello();
    assert.ok(session);
    const p = [session.send(1), session.send(2), session.send(3)];
    await flush();
    conn.push({ t: 'ack', seq: 2 });
    assert.deepEqual(await Promise.all(p.map((x) => settled(x))), ['resolved', 'resolved', 'pending']);
    conn.push({ t: 'pong', ack: 3 });
    assert.equal(await settled(p[2] ?? Promise.reject()), 'resolved');
    conn.push({ t: 'ack', seq: 9 });
    assert.deepEqual(conn.ofType('error').map((e) => e.code), [ErrorCode.BadMessage]);
  });

  it('writes a message only once the store holds it, and the ack a client sends can then cover it', async () => {
    // A store of another process (no `inProcess`): the frame waits for its write.
    const memory = new InMemorySessionStore();
    const remote: SessionStore = { load: (id, now) => memory.load(id, now), write: (node, changes) => memory.write(node, changes) };
    const { engine, hello } = setup({}, { store: remote });
    const conn = await hello();
    const session = [...engine.sessions][0];
    assert.ok(session);
    const sent = session.send('durable first');
    assert.deepEqual(dataOf(conn), [], 'not on the wire before the store answered');
    await flush();
    assert.deepEqual(dataOf(conn), ['durable first']);
    conn.push({ t: 'ack', seq: 1 });
    assert.equal(await settled(sent), 'resolved');
    // With the in-process default nothing can observe the order: the frame goes out at once.
    const local = setup();
    const conn2 = await local.hello();
    void [...local.engine.sessions][0]?.send('at once');
    assert.deepEqual(dataOf(conn2), ['at once']);
  });

  it('past maxUnacked ends the session with 4010 and rejects every pending send', async () => {
    const { engine, hello } = setup({ maxUnacked: 3 });
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = await hello();
    assert.ok(session);
    const p = [1, 2, 3, 4].map((d) => session?.send(d) ?? Promise.reject());
    assert.deepEqual(await Promise.all(p.map((x) => settled(x))), ['overflow', 'overflow', 'overflow', 'overflow']);
    assert.equal(conn.closeCode, CloseCode.SessionOverflow);
    assert.deepEqual(ended, ['overflow']);
    assert.equal(engine.sessions.size, 0);
    assert.equal(await settled(session.send(5)), 'session-ended');
    const again = await hello(ref(conn, 0));
    assert.equal(again.welcome().reason, ResumeFailure.UnknownSession);
  });

  it('past maxUnackedBytes ends the session with 4010, also while detached', async () => {
    const { engine, hello } = setup({ maxUnackedBytes: 1000 });
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const conn = await hello();
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
    await hello();
    assert.ok(session);
    assert.equal(await settled(session.send('x'.repeat(2000))), 'too-large');
    assert.equal(session.ended, false);
    await assert.rejects(session.send(undefined as unknown as Json), TypeError);
  });

  it('broadcast reaches every live session, attached or waiting for resume', async () => {
    const { engine, hello } = setup();
    const a = await hello();
    const b = await hello();
    b.drop();
    await engine.broadcast({ n: 1 });
    await flush();
    assert.deepEqual(dataOf(a), [{ n: 1 }]);
    const b2 = await hello(ref(b, 0));
    assert.deepEqual(dataOf(b2), [{ n: 1 }]);
    await assert.rejects(engine.broadcast(undefined as unknown as Json), TypeError);
  });

  it('bye ends the session with 1000 and rejects its sends', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    const ended: SessionEndReason[] = [];
    engine.on('session', (s) => (session = s));
    engine.on('sessionclose', (_s, r) => ended.push(r));
    const conn = await hello();
    assert.ok(session);
    const p = session.send('unacked');
    conn.push({ t: 'bye' });
    assert.equal(conn.closeCode, CloseCode.Normal);
    assert.deepEqual(ended, ['bye']);
    assert.equal(await settled(p), 'session-ended');
  });
});
