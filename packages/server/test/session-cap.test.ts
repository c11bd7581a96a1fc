// maxSessionsPerIdentity: the oldest detached session of an identity makes room, or the hello is refused with goaway + 1013.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, ResumeFailure } from '@lifeline/protocol';
import { SendError, resolveOptions, type Session, type SessionEndReason } from '@lifeline/server';
import { flush, setup, type FakeConnection } from './fakes.js';

/** Identity = the hello's auth string. */
const byAuth = ({ auth }: { auth: unknown }): string | null => (typeof auth === 'string' ? auth : null);

function ref(conn: FakeConnection, lastSeq = 0): { id: string; token: string; lastSeq: number } {
  const w = conn.welcome();
  return { id: w.session.id, token: w.session.token, lastSeq };
}

function capped(max: number): ReturnType<typeof setup> & { ended: Array<[string, SessionEndReason]>; byId: Map<string, Session> } {
  const env = setup({ authenticate: byAuth, maxSessionsPerIdentity: max, capacityRetryAfter: 1234 });
  const ended: Array<[string, SessionEndReason]> = [];
  const byId = new Map<string, Session>();
  env.engine.on('sessionclose', (s, reason) => ended.push([s.id, reason]));
  env.engine.on('session', (s) => byId.set(s.id, s));
  return { ...env, ended, byId };
}

describe('maxSessionsPerIdentity', () => {
  it('defaults to 100 with an auth hook, Infinity without one, and is validated', () => {
    assert.equal(resolveOptions({ origins: 'any', authenticate: () => 'a' }).maxSessionsPerIdentity, 100);
    assert.equal(resolveOptions({ origins: 'any' }).maxSessionsPerIdentity, Infinity);
    assert.equal(resolveOptions({ origins: 'any', maxSessionsPerIdentity: 3 }).maxSessionsPerIdentity, 3);
    assert.equal(resolveOptions({ origins: 'any', authenticate: () => 'a', maxSessionsPerIdentity: Infinity }).maxSessionsPerIdentity, Infinity);
    for (const bad of [0, -1, 1.5, Number.NaN, -Infinity]) {
      assert.throws(() => resolveOptions({ origins: 'any', maxSessionsPerIdentity: bad }), RangeError, String(bad));
    }
    assert.throws(() => resolveOptions({ origins: 'any', maxSessionsPerIdentity: '3' as unknown as number }), RangeError);
  });

  it('refuses a hello over the cap with goaway{capacityRetryAfter} + 1013 when every session is attached', async () => {
    const { engine, hello, ended } = capped(2);
    const a = await hello(undefined, 'alice');
    const b = await hello(undefined, 'alice');
    const other = await hello(undefined, 'bob');
    const third = await hello(undefined, 'alice');
    assert.deepEqual(third.ofType('goaway'), [{ t: 'goaway', code: CloseCode.TryAgainLater, reason: 'too many sessions', retryAfter: 1234 }]);
    assert.equal(third.closeCode, CloseCode.TryAgainLater);
    assert.equal(third.ofType('welcome').length, 0);
    for (const c of [a, b, other]) assert.equal(c.closeCode, undefined);
    assert.equal(engine.sessions.size, 3);
    assert.equal(engine.stats().sessionsCreated, 3);
    assert.deepEqual(ended, []);
  });

  it('ends the oldest detached session of the identity (superseded) to make room', async () => {
    const { engine, hello, ended, byId } = capped(3);
    const first = await hello(undefined, 'alice');
    const second = await hello(undefined, 'alice');
    const third = await hello(undefined, 'alice');
    const bob = await hello(undefined, 'bob');
    bob.drop(); // another identity's detached session is not touched
    third.drop();
    second.drop(); // detached after third, but older
    const oldest = byId.get(ref(second).id);
    assert.ok(oldest);
    const pending = oldest.send('lost');
    const fourth = await hello(undefined, 'alice');
    assert.equal(fourth.welcome().resumed, false);
    assert.deepEqual(ended, [[ref(second).id, 'superseded']]);
    assert.equal(oldest.ended, true);
    await assert.rejects(pending, (e: unknown) => e instanceof SendError && e.code === 'session-ended');
    assert.equal(first.closeCode, undefined);
    assert.equal(engine.sessions.size, 4); // alice: first, third, fourth; bob
    // The superseded session is gone for good: resuming it gets a fresh session (which supersedes third).
    const back = await hello(ref(second), 'alice');
    assert.equal(back.welcome().reason, ResumeFailure.UnknownSession);
    assert.deepEqual(ended.at(-1), [ref(third).id, 'superseded']);
    await flush();
  });

  it('never counts a resume: a session at the cap resumes, and a bad position replaces its own session', async () => {
    const { engine, hello, ended } = capped(2);
    const a = await hello(undefined, 'alice');
    const b = await hello(undefined, 'alice');
    b.drop();
    const resumed = await hello(ref(b), 'alice');
    assert.equal(resumed.welcome().resumed, true);
    a.drop();
    const fresh = await hello({ ...ref(a), lastSeq: 5 }, 'alice'); // bad position: a is superseded, nothing else
    assert.equal(fresh.welcome().reason, ResumeFailure.BadPosition);
    assert.deepEqual(ended, [[ref(a).id, 'superseded']]);
    assert.equal(resumed.closeCode, undefined);
    assert.equal(engine.sessions.size, 2);
  });

  it('applies an explicit cap to the anonymous identity too', async () => {
    const { hello } = setup({ maxSessionsPerIdentity: 1 });
    const one = await hello();
    const two = await hello();
    assert.equal(one.welcome().resumed, false);
    assert.equal(two.closeCode, CloseCode.TryAgainLater);
  });

  it('checks the cap when an async auth hook settles', async () => {
    const { hello } = setup({ authenticate: async () => 'carol', maxSessionsPerIdentity: 1 });
    const [one, two] = await Promise.all([hello(undefined, 'x'), hello(undefined, 'x')]);
    assert.equal(one.welcome().resumed, false);
    assert.equal(two.closeCode, CloseCode.TryAgainLater);
  });
});
