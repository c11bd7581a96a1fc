// The attack suite: a real server process, an honest client served throughout, an attacker per limit; memory before, at peak and after.

import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import { CloseCode, ErrorCode } from '@lifeline/protocol';
import { RawClient, within } from '../raw-client.js';
import { honestClient, mb, startAttackServer, type AttackServer } from './harness.js';

/** Report memory before, at the peak and after an attack, in one line. */
function report(name: string, server: AttackServer, from: number, before: number): { peak: number; after: number } {
  const seen = server.since(from);
  const peak = Math.max(...seen.map((s) => s.heap), before);
  const after = server.latest().heap;
  console.log(`attack ${name}: heap before ${mb(before)} MB, peak ${mb(peak)} MB, after ${mb(after)} MB`);
  return { peak, after };
}

/** Connect, say hello (resuming `resume`), and flood `msg` frames until the server closes the link. */
async function floodOnce(url: string, auth: string, resume: { id: string; token: string; lastSeq: number } | undefined, next: { seq: number }): Promise<{ id: string; token: string }> {
  const c = await RawClient.open(url);
  const w = await c.hello({ auth, ...(resume ? { resume } : {}) });
  next.seq = w.lastSeq + 1; // resend what the server did not take
  let open = true;
  void c.closed.then(() => (open = false));
  while (open) {
    for (let i = 0; i < 50 && open; i++) c.send({ t: 'msg', seq: next.seq++, data: 'x' });
    await new Promise((r) => setImmediate(r));
  }
  return { id: w.session.id, token: w.session.token };
}

describe('attack suite (real server process)', { timeout: 120_000 }, () => {
  it('resuming as soon as the limit bites gains nothing: the budget is per session and per identity', async (t) => {
    const server = await startAttackServer(t, { rateLimit: { perSecond: 50, burst: 100 }, identityRateLimit: { perSecond: 100, burst: 200 } }, { AUTH: '1' });
    const honest = await honestClient(t, server.url, 'alice');
    const from = server.proc.lines.length;
    const before = server.latest().heap;
    const started = Date.now();
    const attackMs = 2_000;
    // Three sessions of one identity, each reconnecting (and resuming) the moment it is cut off.
    await Promise.all(
      [1, 2, 3].map(async () => {
        let session: { id: string; token: string } | undefined;
        const next = { seq: 1 };
        while (Date.now() - started < attackMs) session = await floodOnce(server.url, 'mallory', session && { ...session, lastSeq: 0 }, next);
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const s = await server.until(() => true, 2_000, 'stats');
    const delivered = s.counts.mallory ?? 0;
    report('rate-reset', server, from, before);
    assert.ok(delivered <= 200 + 100 * elapsed + 50, `mallory got ${delivered} messages through in ${elapsed.toFixed(1)} s`);
    assert.ok(s.stats.rateLimited >= 3, `rate limited ${s.stats.rateLimited} times`);
    assert.ok(honest.acked >= (attackMs / 50) * 0.5, `the honest client got ${honest.acked} round trips`);
    assert.equal(honest.failed, 0);
  });

  it('one identity flooding keys cannot make another identity apply a message twice', async (t) => {
    const huge = { perSecond: 1_000_000, burst: 1_000_000 };
    const server = await startAttackServer(t, { dedupeMaxKeys: 3_000, dedupeMaxKeysPerIdentity: 1_000, rateLimit: huge, identityRateLimit: huge }, { AUTH: '1' });
    const victim = await RawClient.open(server.url);
    t.after(() => victim.close());
    await victim.hello({ auth: 'victim' });
    victim.send({ t: 'msg', seq: 1, data: 'log:pay', key: 'order-1' });
    await victim.next('ack');
    const from = server.proc.lines.length;
    const before = server.latest().heap;
    const flooder = await RawClient.open(server.url);
    t.after(() => flooder.close());
    await flooder.hello({ auth: 'flooder' });
    for (let seq = 1; seq <= 5_000; seq++) flooder.send({ t: 'msg', seq, data: seq, key: `flood-${seq}` });
    // Past its own bound it is refused (too-many-keys), and once it has more refusals in flight than
    // the server keeps, it is told to come back later (4029): never served by forgetting others' keys.
    const closed = await within(flooder.closed, 10_000, 'the flooder to be cut off');
    const refused = flooder.received.filter((m) => m.t === 'error' && m.code === ErrorCode.TooManyKeys).length;
    // The victim's resend into a fresh session (its ack was lost, say) must still be recognised.
    const fresh = await RawClient.open(server.url);
    t.after(() => fresh.close());
    await fresh.hello({ auth: 'victim' });
    fresh.send({ t: 'msg', seq: 1, data: 'log:pay', key: 'order-1' });
    await fresh.next('ack');
    const s = await server.until((x) => x.stats.deduplicated >= 1, 2_000, 'the resend deduplicated');
    report('key-flood', server, from, before);
    assert.equal(closed.code, CloseCode.RateLimited);
    assert.equal(refused, 256, 'refused past its own bound, up to the refusals a session keeps');
    assert.equal(s.counts.flooder, 1_000);
    assert.deepEqual(server.logs(), ['victim:log:pay'], 'applied once');
    assert.ok(s.stats.dedupeKeys <= 1_001);
  });

  it('sessions that said hello and vanished stay bounded without an auth hook, and memory comes back', async (t) => {
    const server = await startAttackServer(
      t,
      { maxSessionsPerAddress: 300, maxDetachedBytes: 2_000_000, resumeWindow: 2_000, dedupeWindow: 2_000 },
      { BROADCAST_BYTES: '1000', BROADCAST_MS: '20' },
    );
    const honest = await honestClient(t, server.url);
    const from = server.proc.lines.length;
    const before = server.latest().heap;
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await RawClient.open(server.url);
          await c.hello().catch(() => undefined);
          c.ws.terminate();
        }),
      );
    }
    const peakSessions = Math.max(...server.since(from).map((s) => s.sessions));
    const receivedAtPeak = honest.received;
    await server.until((s) => s.sessions <= 2, 8_000, 'the abandoned sessions expired');
    await server.until(() => true, 1_000, 'stats');
    const { peak, after } = report('abandoned-sessions', server, from, before);
    assert.ok(peakSessions <= 301, `held ${peakSessions} sessions`);
    assert.ok(peak - before < 30 * 1024 * 1024, `peak heap growth ${mb(peak - before)} MB`);
    assert.ok(after - before < 4 * 1024 * 1024, `heap after ${mb(after - before)} MB above before`);
    assert.ok(honest.received > receivedAtPeak, 'the honest client kept receiving broadcasts');
    assert.equal(honest.discontinuities, 0, 'and was never evicted');
    assert.equal(honest.failed, 0);
  });

  it('a token seen once stops working as soon as the owner resumed with it', async (t) => {
    const server = await startAttackServer(t, {});
    const owner = await RawClient.open(server.url);
    const w1 = await owner.hello();
    owner.ws.terminate();
    const back = await RawClient.open(server.url);
    t.after(() => back.close());
    const w2 = await back.hello({ resume: { id: w1.session.id, token: w1.session.token, lastSeq: 0 } });
    assert.equal(w2.resumed, true);
    assert.notEqual(w2.session.token, w1.session.token);
    back.send({ t: 'ping' });
    await back.next('pong');
    const thief = await RawClient.open(server.url);
    t.after(() => thief.close());
    const w3 = await thief.hello({ resume: { id: w1.session.id, token: w1.session.token, lastSeq: 0 } });
    assert.equal(w3.resumed, false);
    assert.equal(w3.reason, 'bad-token');
    back.send({ t: 'ping' });
    await back.next('pong'); // the owner's link was not touched
  });

  it('a reused key with another payload is answered with key-conflict, never dropped silently', async (t) => {
    const server = await startAttackServer(t, {});
    const c = await RawClient.open(server.url);
    t.after(() => c.close());
    await c.hello();
    c.send({ t: 'msg', seq: 1, data: 'log:first', key: 'k' });
    c.send({ t: 'msg', seq: 2, data: 'log:second', key: 'k' });
    const error = await c.next('error');
    assert.deepEqual([error.code, error.seq], [ErrorCode.KeyConflict, 2]);
    await c.next('ack', 2_000, (a) => a.seq === 2);
    await server.until((s) => s.stats.refused === 1, 2_000, 'the refusal');
    assert.deepEqual(server.logs(), ['anonymous:log:first']);
  });

  it('a handshake that drips header bytes is cut within the handshake timeout', async (t) => {
    const server = await startAttackServer(t, { handshakeTimeout: 1_000 });
    const honest = await honestClient(t, server.url);
    const socket = netConnect(server.proc.port, '127.0.0.1');
    t.after(() => socket.destroy());
    socket.on('error', () => {});
    const started = Date.now();
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => socket.write('X'), 100);
    t.after(() => clearInterval(drip));
    const after = await within(closed, 10_000, 'the server to cut the drip');
    clearInterval(drip);
    console.log(`attack slow-handshake: cut after ${after} ms (handshake timeout 1000 ms, checked every 1000 ms)`);
    assert.ok(after <= 2_800, `cut after ${after} ms`);
    assert.ok(honest.acked > 0 && honest.failed === 0);
  });

  it('connections per address can be capped for deployments without authentication', async (t) => {
    const server = await startAttackServer(t, { maxConnectionsPerAddress: 5 });
    const held = await Promise.all(Array.from({ length: 5 }, () => RawClient.open(server.url)));
    t.after(() => held.forEach((c) => c.close()));
    const over = await RawClient.open(server.url);
    const goaway = await over.next('goaway');
    assert.equal(goaway.code, CloseCode.TryAgainLater);
    assert.equal((await within(over.closed, 2_000, 'close')).code, CloseCode.TryAgainLater);
    held[0]?.ws.terminate();
    await server.until((s) => s.connections === 4, 2_000, 'the freed connection');
    const again = await RawClient.open(server.url);
    t.after(() => again.close());
    assert.equal((await again.hello()).resumed, false, 'a freed place is given again');
  });
});
