// Reconnects: resume resends with original seqs, fresh sessions renumber, goaway, terminal codes, close.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode } from '@lifeline/protocol';
import type { LifelineError } from '../src/index.js';
import { flush, setup, track } from './fake-server.js';

describe('LifelineClient across reconnects', () => {
  it('resumes: drops what welcome.lastSeq covers and resends the rest with the original seq', async () => {
    const { client, server, events } = setup();
    await server.connect();
    const a = track(client.send('a'));
    const b = track(client.send('b'));
    const c = track(client.send('c'));
    const d = track(client.send('d'));
    server.ack(1);
    server.push('m1');
    await flush();
    assert.equal(a.state, 'resolved');

    const first = server.ws;
    server.drop();
    assert.equal(client.ready, false);
    const e = track(client.send('e')); // while down: queued, numbered 5
    server.advanceToNextTimer();
    const hello = await server.accept();
    assert.deepEqual(hello.resume, { id: 's1', token: 'token-1', lastSeq: 1 });
    server.welcome({ resumed: true, session: { id: 's1', token: 'token-1' }, lastSeq: 3 });
    await flush();
    assert.deepEqual([b.state, c.state, d.state, e.state], ['resolved', 'resolved', 'pending', 'pending']);
    assert.deepEqual(server.framesOf('msg'), [
      { t: 'msg', seq: 4, data: 'd', key: 'key-4' },
      { t: 'msg', seq: 5, data: 'e', key: 'key-5' },
    ]);
    assert.notEqual(server.ws, first);
    assert.deepEqual(events.first('session').at(-1), { id: 's1', resumed: true });
    server.push('m2', 2);
    assert.deepEqual(
      events.of('message').map(([data]) => data),
      ['m1', 'm2'],
    );
    server.ack(5);
    await flush();
    assert.deepEqual([d.state, e.state], ['resolved', 'resolved']);
    client.close();
  });

  it('into a fresh session: renumbers from 1 with the same keys and reports the discontinuity', async () => {
    const { client, server, events } = setup();
    await server.connect();
    server.push('old-1');
    server.push('old-2');
    const a = track(client.send('a'));
    const b = track(client.send('b'));
    server.ack(1);
    const c = track(client.send('c'));
    await flush();
    const sentFromListener: Array<ReturnType<typeof track>> = [];
    client.on('session', (info) => {
      if (!info.resumed) sentFromListener.push(track(client.send(`after-${info.id}`)));
    });

    server.drop();
    server.advanceToNextTimer();
    const hello = await server.accept();
    assert.equal(hello.resume?.lastSeq, 2);
    server.welcome({ resumed: false, reason: 'unknown-session', session: { id: 's9', token: 'token-9' } });
    await flush();
    assert.deepEqual(events.first('session').at(-1), {
      id: 's9',
      resumed: false,
      reason: 'unknown-session',
      previousId: 's1',
    });
    assert.deepEqual(server.framesOf('msg'), [
      { t: 'msg', seq: 1, data: 'b', key: 'key-2' },
      { t: 'msg', seq: 2, data: 'c', key: 'key-3' },
      { t: 'msg', seq: 3, data: 'after-s9', key: 'key-4' },
    ]);
    assert.equal(client.lastSeq, 0, 'the inbox restarts with the session');
    server.push('new-1', 1);
    assert.deepEqual(events.of('message').at(-1), ['new-1', { seq: 1 }]);
    server.ack(3);
    await flush();
    assert.deepEqual([a.state, b.state, c.state, sentFromListener[0]?.state], ['resolved', 'resolved', 'resolved', 'resolved']);
    client.close();
  });

  it('resends into a fresh session messages mutated after send() as they were sent', async () => {
    const { client, server } = setup();
    await server.connect();
    const data = { items: [1] };
    track(client.send(data));
    data.items.push(2);
    server.drop();
    server.advanceToNextTimer();
    await server.accept();
    server.welcome({ session: { id: 's2', token: 't2' } });
    assert.deepEqual(server.framesOf('msg'), [{ t: 'msg', seq: 1, data: { items: [1] }, key: 'key-1' }]);
    client.close();
  });

  it('rejects with too-large, before renumbering, what a fresh session\'s smaller maxPayload cannot carry', async () => {
    const { client, server } = setup();
    await server.connect();
    const small = track(client.send('small'));
    const big = track(client.send('x'.repeat(2_000)));
    const after = track(client.send('after'));
    server.drop();
    server.advanceToNextTimer();
    await server.accept();
    server.welcome({ session: { id: 's2', token: 't2' }, maxPayload: 1_000 });
    await flush();
    assert.equal((big.error as LifelineError).code, 'too-large');
    assert.deepEqual(server.framesOf('msg'), [
      { t: 'msg', seq: 1, data: 'small', key: 'key-1' },
      { t: 'msg', seq: 2, data: 'after', key: 'key-3' },
    ]);
    server.ack(2);
    await flush();
    assert.deepEqual([small.state, after.state], ['resolved', 'resolved']);
    client.close();
  });

  it('keeps a message whose write fails in the outbox and resends it after resume', async () => {
    const { client, server, clock } = setup();
    await server.connect({ heartbeat: { interval: 1_000, timeout: 500 } });
    clock.jump(2_000); // the deadline passed while timers slept: the next write finds the link dead
    const sent = track(client.send('during-sleep'));
    assert.equal(client.ready, false);
    assert.equal(client.outboxSize, 1);
    server.advanceToNextTimer();
    await server.accept();
    server.welcome({ resumed: true, session: { id: 's1', token: 'token-1' }, lastSeq: 0 });
    assert.deepEqual(server.framesOf('msg'), [{ t: 'msg', seq: 1, data: 'during-sleep', key: 'key-1' }]);
    server.ack(1);
    await flush();
    assert.equal(sent.state, 'resolved');
    client.close();
  });

  it('honours goaway.retryAfter: the next attempt waits at least the hint', async () => {
    const { client, server, events, transport, clock } = setup();
    await server.connect();
    server.send({ t: 'goaway', code: CloseCode.ServiceRestart, reason: 'deploy', retryAfter: 5_000 });
    server.drop(CloseCode.ServiceRestart, 'deploy');
    const [reconnecting] = events.first('reconnecting');
    assert.ok(reconnecting);
    assert.ok(reconnecting.delay >= 5_000 && reconnecting.delay <= 10_000, `delay ${reconnecting.delay}`);
    clock.advance(4_999);
    assert.equal(transport.count, 1);
    clock.advance(reconnecting.delay - 4_999);
    assert.equal(transport.count, 2);
    assert.deepEqual(events.first('close').at(-1), { code: 1012, reason: 'deploy', wasClean: true });
    client.close();
  });

  it('reports the goaway code when the close frame itself was lost', async () => {
    const { client, server, events } = setup();
    await server.connect();
    server.send({ t: 'goaway', code: CloseCode.TryAgainLater, reason: 'over capacity', retryAfter: 2_000 });
    server.drop(1006);
    assert.deepEqual(events.first('close').at(-1), { code: 1013, reason: 'over capacity', wasClean: false });
    assert.ok((events.first('reconnecting').at(-1)?.delay ?? 0) >= 2_000);
    client.close();
  });

  it('4001: no retry, pending sends reject unauthorized, error and giveup are emitted', async () => {
    const { client, server, events, transport, clock } = setup();
    await server.connect();
    const pending = track(client.send('x'));
    server.drop(CloseCode.Unauthorized, 'token expired');
    await flush();
    assert.equal(pending.state, 'rejected');
    const error = pending.error as LifelineError;
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.closeCode, 4001);
    assert.deepEqual(
      events.first('error').map((e) => [e.code, e.closeCode]),
      [['unauthorized', 4001]],
    );
    assert.deepEqual(events.first('giveup'), [{ attempts: 0, reason: 'terminal-code:4001' }]);
    assert.equal(client.state, 'closed');
    clock.advance(120_000);
    assert.equal(transport.count, 1);
    const later = track(client.send('y'));
    await flush();
    assert.equal((later.error as LifelineError).code, 'unauthorized');
    assert.equal(client.sessionId, undefined);
  });

  it('other terminal codes (1009) give up with gave-up', async () => {
    const { client, server, events, transport, clock } = setup();
    await server.connect();
    const pending = track(client.send('x'));
    server.drop(CloseCode.MessageTooBig, '');
    await flush();
    assert.equal((pending.error as LifelineError).code, 'gave-up');
    assert.deepEqual(
      events.first('error').map((e) => [e.code, e.closeCode]),
      [['gave-up', 1009]],
    );
    clock.advance(120_000);
    assert.equal(transport.count, 1);
    assert.equal(client.state, 'closed');
  });

  it('maxAttempts exhausted: gave-up', async () => {
    const { client, server, events } = setup({ maxAttempts: 1 });
    const pending = track(client.send('x'));
    server.drop();
    server.advanceToNextTimer();
    server.drop();
    await flush();
    assert.equal((pending.error as LifelineError).code, 'gave-up');
    assert.deepEqual(events.first('giveup'), [{ attempts: 1, reason: 'max-attempts' }]);
    assert.equal(client.state, 'closed');
  });

  it('4010 forgets the session: the next hello has no resume and the discontinuity is reported', async () => {
    const { client, server, events } = setup();
    await server.connect();
    server.push('m1');
    const kept = track(client.send('kept'));
    server.drop(CloseCode.SessionOverflow, 'session overflow');
    server.advanceToNextTimer();
    const hello = await server.accept();
    assert.equal(hello.resume, undefined);
    server.welcome({ session: { id: 's2', token: 't2' } });
    await flush();
    assert.deepEqual(events.first('session').at(-1), { id: 's2', resumed: false, reason: 'new', previousId: 's1' });
    assert.deepEqual(server.framesOf('msg'), [{ t: 'msg', seq: 1, data: 'kept', key: 'key-1' }]);
    server.ack(1);
    await flush();
    assert.equal(kept.state, 'resolved');
    client.close();
  });

  it('close() sends bye, closes with 1000, rejects pending sends with closed, and is idempotent', async () => {
    const { client, server, events } = setup();
    await server.connect();
    const pending = track(client.send('x'));
    const ws = server.ws;
    client.close();
    client.close();
    await flush();
    assert.deepEqual(server.frames(ws).slice(-1), [{ t: 'bye' }]);
    assert.equal(server.framesOf('bye', ws).length, 1);
    assert.deepEqual(ws.closeCalls, [{ code: 1000, reason: 'bye' }]);
    assert.equal((pending.error as LifelineError).code, 'closed');
    assert.equal(client.state, 'closed');
    assert.equal(client.ready, false);
    assert.equal(client.sessionId, undefined);
    const later = track(client.send('y'));
    await flush();
    assert.equal((later.error as LifelineError).code, 'closed');
    ws.serverClose(1000, '');
    assert.deepEqual(events.first('close').at(-1), { code: 1000, reason: '', wasClean: true });
    assert.deepEqual(events.first('giveup'), []);
    assert.deepEqual(events.first('error'), []);
  });

  it('close() before the welcome sends no bye', async () => {
    const { client, server } = setup();
    await server.accept();
    client.close();
    assert.deepEqual(server.framesOf('bye'), []);
  });

  it('the welcome sets the heartbeat deadline: no frame for interval + timeout → reconnect', async () => {
    const { client, server, clock, transport, events } = setup();
    await server.connect({ heartbeat: { interval: 1_000, timeout: 500 } });
    clock.advance(1_000);
    server.ping(); // any frame moves the deadline
    clock.advance(1_499);
    assert.equal(client.state, 'open');
    assert.equal(server.ws.sentText.some((t) => t.includes('ping')), false, 'the client never pings');
    clock.advance(1);
    assert.equal(client.state, 'reconnecting');
    assert.equal(server.ws.terminated, true);
    assert.equal(events.first('close').at(-1)?.code, 1006);
    server.advanceToNextTimer();
    assert.equal(transport.count, 2);
    const hello = await server.accept();
    assert.equal(hello.resume?.id, 's1');
    client.close();
  });

  it('before the welcome the deadline is 30 s (server defaults)', async () => {
    const { client, server, clock } = setup();
    await server.accept();
    clock.advance(29_999);
    assert.equal(client.state, 'open');
    clock.advance(1);
    assert.equal(client.state, 'reconnecting');
    client.close();
  });
});
