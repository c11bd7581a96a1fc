// Session engine against fake connections and a fake clock: the handshake and resume.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { CloseCode, ResumeFailure } from '@lifeline/protocol';
import { createSessionEngine, type Session, type SessionEndReason } from '@lifeline/server';
import { flush, setup } from './fakes.js';
import { dataOf, ref, settled } from './helpers.js';

describe('handshake', () => {
  it('answers hello with a fresh session', async () => {
    const { engine, hello } = setup();
    const seen: Array<{ resumed: boolean; reason?: string }> = [];
    engine.on('session', (_s, info) => seen.push(info));
    const conn = await hello();
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
    const conn = await hello();
    conn.push({ t: 'msg', seq: 1, data: 'x' });
    const session = [...engine.sessions][0];
    assert.ok(session);
    const sent = session.send('y');
    await flush();
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
    const [good, bad, boom, rejected] = await Promise.all([hello(undefined, 'good'), hello(undefined, 'bad'), hello(undefined, 'boom'), hello(undefined, 'reject')]);
    assert.equal(good.welcome().resumed, false);
    for (const c of [bad, boom, rejected]) assert.equal(c.closeCode, CloseCode.Unauthorized);
  });

  it('closes a sync auth failure with 4001 and counts it', async () => {
    const { engine, hello } = setup({ authenticate: () => undefined });
    assert.equal((await hello()).closeCode, CloseCode.Unauthorized);
    assert.equal(engine.stats().authFailures, 1);
  });

  it('rejects an unsupported protocol version with 4005', () => {
    const { connect } = setup();
    const conn = connect();
    conn.push({ t: 'hello', v: 2 });
    assert.equal(conn.closeCode, CloseCode.UnsupportedVersion);
  });

  it('refuses unknown options, so a misspelt one never silently means its default', () => {
    assert.throws(() => createSessionEngine({ origins: 'any', resumeWindw: 5 } as unknown as Parameters<typeof createSessionEngine>[0]), /unknown option 'resumeWindw'/);
  });
});

describe('resume', () => {
  it('resumes with the right token and replays unacked messages in order before anything new', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = await hello();
    assert.ok(session);
    const sends = ['a', 'b', 'c'].map((d) => session?.send(d));
    await flush();
    first.push({ t: 'ack', seq: 1 });
    first.drop();
    assert.equal(session.connected, false);
    const p4 = session.send('d'); // queued while detached
    const infos: boolean[] = [];
    engine.on('session', (s, info) => {
      infos.push(info.resumed);
      void s.send('e'); // new messages come after the replay
    });
    const second = await hello(ref(first, 1));
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

  it('treats hello.resume.lastSeq as an ack and replays only what the client lacks', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = await hello();
    for (const d of [1, 2, 3]) void session?.send(d);
    await flush();
    first.drop();
    const second = await hello(ref(first, 2));
    assert.deepEqual(second.ofType('msg').map((m) => m.seq), [3]);
  });

  it('answers resumed:false with the reason for an unknown id, a wrong token, another identity, a bad position', async () => {
    const { engine, hello } = setup({ authenticate: ({ auth }) => (typeof auth === 'string' ? auth : null) });
    const ended: SessionEndReason[] = [];
    engine.on('sessionclose', (_s, reason) => ended.push(reason));
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = await hello(undefined, 'alice');
    const owner = session;
    void owner?.send('x');
    void owner?.send('y');
    await flush();
    first.drop();
    const good = ref(first, 0);
    const cases: Array<[{ id: string; token: string; lastSeq: number }, string, ResumeFailure]> = [
      [{ ...good, id: 'nope' }, 'alice', ResumeFailure.UnknownSession],
      [{ ...good, token: 'wrong-token' }, 'alice', ResumeFailure.BadToken],
      [good, 'mallory', ResumeFailure.IdentityMismatch],
    ];
    for (const [resume, auth, reason] of cases) {
      const conn = await hello(resume, auth);
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
    const ahead = await hello({ ...good, lastSeq: 3 }, 'alice');
    assert.equal(ahead.welcome().reason, ResumeFailure.BadPosition);
    assert.deepEqual(ended, ['superseded']);
    assert.equal(engine.sessions.get(good.id), undefined);
    assert.equal(engine.stats().resumeFailed, 4);
  });

  it('answers bad-position when the client claims fewer messages than it already acknowledged', async () => {
    const { engine, hello } = setup();
    let session: Session | undefined;
    engine.on('session', (s) => (session = s));
    const first = await hello();
    for (const d of [1, 2, 3]) void session?.send(d);
    await flush();
    first.push({ t: 'ack', seq: 3 });
    first.drop();
    assert.equal((await hello(ref(first, 1))).welcome().reason, ResumeFailure.BadPosition);
  });

  it('a newer connection for the same session replaces the older one with 1001', async () => {
    const { engine, hello } = setup();
    const first = await hello();
    const second = await hello(ref(first, 0));
    assert.equal(second.welcome().resumed, true);
    assert.deepEqual(first.closes, [{ code: CloseCode.GoingAway, reason: 'replaced' }]);
    const session = engine.sessions.get(ref(first, 0).id);
    assert.equal(session?.connected, true);
    void session?.send('to-second');
    await flush();
    assert.deepEqual(dataOf(second), ['to-second']);
    assert.deepEqual(dataOf(first), []);
  });
});
