// Integration: a real ws server on port 0 and raw clients speaking the protocol by hand.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { CloseCode, ResumeFailure, type Json } from '@lifeline/protocol';
import type { DisconnectInfo, Session } from '@lifeline/server';
import { createLifelineServer, type LifelineServer, type LifelineServerOptions } from '@lifeline/server/ws';
import { RawClient, clientTextFrame, findCloseCode, rawUpgrade, within } from './raw-client.js';

async function start(t: TestContext, options: Partial<LifelineServerOptions> = {}): Promise<{ server: LifelineServer; url: string }> {
  const server = createLifelineServer({ origins: 'any', host: '127.0.0.1', port: 0, ...options });
  t.after(() => within(server.close({ drain: 0 }), 5000, 'server close'));
  await within(server.listening, 3000, 'listening');
  return { server, url: `ws://127.0.0.1:${server.port}/` };
}

function track(t: TestContext, ...clients: RawClient[]): void {
  t.after(() => {
    for (const c of clients) c.close();
  });
}

async function statusOf(url: string, options: Parameters<typeof RawClient.open>[1]): Promise<number | 'open'> {
  try {
    const c = await RawClient.open(url, options);
    c.close();
    return 'open';
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe('ws server', () => {
  it('handshake, send and ack in both directions', async (t) => {
    const { server, url } = await start(t);
    const got: Json[] = [];
    const delivered: Array<Promise<void>> = [];
    server.on('message', (_s, data) => got.push(data));
    server.on('session', (s) => delivered.push(s.send({ hello: 'client' })));
    const c = await RawClient.open(url);
    track(t, c);
    assert.equal(c.ws.protocol, 'lifeline.v1');
    const w = await c.hello();
    assert.equal(w.resumed, false);
    assert.equal(w.reason, ResumeFailure.New);
    const m = await c.next('msg');
    assert.deepEqual([m.seq, m.data], [1, { hello: 'client' }]);
    c.send({ t: 'ack', seq: 1 });
    await within(delivered[0] ?? Promise.reject(new Error('no send')), 2000, 'send settles on ack');
    c.send({ t: 'msg', seq: 1, data: 'up', key: 'k' });
    assert.equal((await c.next('ack')).seq, 1);
    assert.deepEqual(got, ['up']);
  });

  it('resumes across a dropped TCP connection and replays what was not acked', async (t) => {
    const { server, url } = await start(t);
    let session: Session | undefined;
    server.on('session', (s) => (session = s));
    const disconnected = new Promise<DisconnectInfo>((resolve) => server.on('disconnect', resolve));
    const a = await RawClient.open(url);
    track(t, a);
    const w = await a.hello();
    assert.ok(session);
    for (const n of [1, 2, 3]) void session.send(n);
    await a.next('msg', 2000, (m) => m.seq === 3);
    a.send({ t: 'ack', seq: 1 });
    // Frames are processed in order: once the pong to a later ping is back, the ack was taken.
    a.send({ t: 'ping' });
    await a.next('pong');
    a.ws.terminate();
    assert.equal((await within(disconnected, 2000, 'disconnect')).by, 'client');
    for (const n of [4, 5]) void session.send(n);
    const b = await RawClient.open(url);
    track(t, b);
    const w2 = await b.hello({ resume: { id: w.session.id, token: w.session.token, lastSeq: 1 } });
    assert.equal(w2.resumed, true);
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) seqs.push((await b.next('msg')).seq);
    assert.deepEqual(seqs, [2, 3, 4, 5]);
    assert.equal(server.stats().resumed, 1);
  });

  it('applies the origin allowlist before the upgrade (403)', async (t) => {
    const { url } = await start(t, { origins: ['https://app.example'], allowMissingOrigin: false });
    assert.equal(await statusOf(url, { origin: 'https://evil.example' }), 403);
    assert.equal(await statusOf(url, { headers: { Origin: 'https://app.example.evil' } }), 403);
    assert.equal(await statusOf(url, {}), 403); // no Origin, and missing origins are not allowed here
    assert.equal(await statusOf(url, { origin: 'https://app.example' }), 'open');
  });

  it("'same-origin' admits pages of the server's own host and refuses other sites", async (t) => {
    const { url, server } = await start(t, { origins: 'same-origin', allowMissingOrigin: false });
    assert.equal(await statusOf(url, { origin: `http://127.0.0.1:${server.port}` }), 'open');
    assert.equal(await statusOf(url, { origin: `http://localhost:${server.port}` }), 403, 'Host is 127.0.0.1:<port>');
    assert.equal(await statusOf(url, { origin: 'https://evil.example' }), 403);
    assert.equal(await statusOf(url, { origin: 'null' }), 403);
  });

  it('refuses to start without an origin policy', () => {
    assert.throws(() => createLifelineServer({ port: 0 } as unknown as LifelineServerOptions), /origin policy/);
  });

  it('verifyUpgrade false → 401; a wrong path → 404', async (t) => {
    const { url } = await start(t, { verifyUpgrade: (req) => req.headers['x-ok'] === 'yes' });
    assert.equal(await statusOf(url, {}), 401);
    assert.equal(await statusOf(url, { headers: { 'x-ok': 'yes' } }), 'open');
    assert.equal(await statusOf(`${url}other`, { headers: { 'x-ok': 'yes' } }), 404);
  });

  it('closes with 4001 when authentication fails', async (t) => {
    const { url } = await start(t, { authenticate: ({ auth }) => (auth === 'letmein' ? 'alice' : null) });
    const c = await RawClient.open(url);
    track(t, c);
    c.send({ t: 'hello', v: 1, auth: 'wrong' });
    assert.equal((await within(c.closed, 2000, 'close')).code, CloseCode.Unauthorized);
  });

  it('behind a proxy, proxyHops takes the client address from X-Forwarded-For', async (t) => {
    const { url } = await start(t, { proxyHops: 1, maxConnectionsPerAddress: 1 });
    const a = await RawClient.open(url, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
    const b = await RawClient.open(url, { headers: { 'X-Forwarded-For': '203.0.113.8' } });
    // One hop trusted: the entry the proxy appended (rightmost) counts, not what the client claimed.
    const c = await RawClient.open(url, { headers: { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' } });
    track(t, a, b, c);
    assert.equal((await within(c.closed, 2000, 'close')).code, CloseCode.TryAgainLater);
    assert.equal((await a.hello()).resumed, false);
    assert.equal((await b.hello()).resumed, false);
  });

  it('with proxyHops 0, requests that carry X-Forwarded-For are reported once: every client would count as the proxy', async (t) => {
    const { server, url } = await start(t);
    const reports: string[] = [];
    server.on('error', (error, context) => reports.push(`${context}: ${error instanceof Error ? error.message : String(error)}`));
    const a = await RawClient.open(url, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
    const b = await RawClient.open(url, { headers: { 'X-Forwarded-For': '203.0.113.8' } });
    track(t, a, b);
    await a.hello();
    await b.hello();
    assert.equal(reports.length, 1);
    assert.match(reports[0] ?? '', /^proxy: .*proxyHops/);
  });

  it('over maxConnections: goaway with retryAfter, then 1013', async (t) => {
    const { url } = await start(t, { maxConnections: 1, capacityRetryAfter: 1234 });
    const a = await RawClient.open(url);
    const b = await RawClient.open(url);
    track(t, a, b);
    const goaway = await b.next('goaway');
    assert.deepEqual([goaway.code, goaway.retryAfter], [CloseCode.TryAgainLater, 1234]);
    assert.equal((await within(b.closed, 2000, 'close')).code, CloseCode.TryAgainLater);
    assert.equal((await a.hello()).resumed, false);
  });

  it('closes with 1009 above maxPayload', async (t) => {
    const { url } = await start(t, { maxPayload: 4096 });
    const c = await RawClient.open(url);
    track(t, c);
    await c.hello();
    c.send({ t: 'msg', seq: 1, data: 'x'.repeat(5000) });
    assert.equal((await within(c.closed, 2000, 'close')).code, CloseCode.MessageTooBig);
  });

  it('terminates a client that stops answering after interval + timeout; its session resumes', async (t) => {
    const { server, url } = await start(t, { heartbeat: { interval: 60, timeout: 60 } });
    const c = await RawClient.open(url);
    track(t, c);
    const w = await c.hello();
    const started = Date.now();
    const closed = await within(c.closed, 2000, 'terminate');
    const elapsed = Date.now() - started;
    assert.equal(closed.code, 1006);
    // The deadline counts from when the server heard the hello, a little before `started`.
    assert.ok(elapsed >= 90 && elapsed < 1000, `terminated after ${elapsed} ms (deadline 120 ms, checked up to one 15 ms tick early)`);
    assert.ok(c.received.some((m) => m.t === 'ping'));
    assert.equal(server.stats().terminated, 1);
    const again = await RawClient.open(url);
    track(t, again);
    assert.equal((await again.hello({ resume: { id: w.session.id, token: w.session.token, lastSeq: 0 } })).resumed, true);
  });

  it('drains: stops accepting, then goaway + 1012 spread over the window', async (t) => {
    const offsets = [0.1, 0.5, 0.9];
    let i = 0;
    const { server, url } = await start(t, { random: () => offsets[i++ % 3] ?? 0 });
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.open(url)));
    track(t, ...clients);
    for (const c of clients) await c.hello();
    const began = Date.now();
    const done = server.close({ drain: 600 });
    assert.equal(await statusOf(url, {}), 503);
    const closedAt = await Promise.all(
      clients.map(async (c) => {
        const goaway = await c.next('goaway', 3000);
        assert.deepEqual([goaway.code, goaway.retryAfter], [CloseCode.ServiceRestart, 500]);
        assert.equal((await within(c.closed, 3000, 'close')).code, CloseCode.ServiceRestart);
        return Date.now() - began;
      }),
    );
    await within(done, 3000, 'drain done');
    const spread = Math.max(...closedAt) - Math.min(...closedAt);
    assert.ok(spread >= 300, `closes spread over ${spread} ms: ${closedAt.join(', ')}`);
    assert.ok(Math.max(...closedAt) < 1500);
    assert.equal(server.engine.state, 'closed');
  });

  it('slow consumer: a client that never reads is closed with 4008, bounded, and the close is on the wire', async (t) => {
    const { server } = await start(t, {
      maxOutboundBytes: 256 * 1024,
      maxUnackedBytes: 64 * 1024 * 1024,
      heartbeat: { interval: 5000, timeout: 3000 },
    });
    const { socket, rest } = await rawUpgrade(server.port);
    t.after(() => socket.destroy());
    const opened = new Promise<void>((resolve) => server.on('session', () => resolve()));
    socket.write(clientTextFrame(JSON.stringify({ t: 'hello', v: 1 })));
    socket.pause(); // never read again: the kernel buffers fill, then ws queues
    const chunks: Buffer[] = [rest];
    const slow = new Promise<DisconnectInfo>((resolve) => server.on('disconnect', (d) => d.code === CloseCode.SlowConsumer && resolve(d)));
    let cut = false;
    void slow.then(() => (cut = true));
    await within(opened, 2000, 'session');
    const blob = 'x'.repeat(64 * 1024 - 100);
    for (let i = 0; i < 1000 && !cut; i++) {
      void server.broadcast(blob);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const info = await within(slow, 1000, 'slow consumer close');
    assert.equal(info.by, 'server');
    assert.equal(server.stats().slowConsumers, 1);
    assert.equal(server.sessions.size, 1, 'session kept');
    // Now read everything: the 4008 close frame follows the queued data.
    const closeFrame = new Promise<number>((resolve) => {
      const check = (): void => {
        const found = findCloseCode(Buffer.concat(chunks));
        if (found !== undefined) resolve(found);
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        check();
      });
      check();
    });
    socket.resume();
    const code = await within(closeFrame, 3000, 'close frame');
    assert.equal(code, CloseCode.SlowConsumer);
    socket.destroy();
  });

  it('a flooding client gets goaway + 4029 while another still gets prompt replies', async (t) => {
    const { server, url } = await start(t);
    let delivered = 0;
    server.on('message', () => delivered++);
    const flooder = await RawClient.open(url);
    const calm = await RawClient.open(url);
    track(t, flooder, calm);
    await flooder.hello();
    await calm.hello();
    const floodDone = (async () => {
      const body = 'f'.repeat(512);
      for (let seq = 1; seq <= 5000 && flooder.ws.readyState === flooder.ws.OPEN; seq++) {
        flooder.send({ t: 'msg', seq, data: body });
        if (seq % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const rtts: number[] = [];
    for (let seq = 1; seq <= 20; seq++) {
      const sent = performance.now();
      calm.send({ t: 'msg', seq, data: seq });
      await calm.next('ack', 2000, (a) => a.seq === seq);
      rtts.push(performance.now() - sent);
    }
    await floodDone;
    const goaway = await flooder.next('goaway', 2000);
    assert.deepEqual([goaway.code, goaway.retryAfter], [CloseCode.RateLimited, 24_000], 'a full refill: 1200 / 50 per s');
    assert.equal((await within(flooder.closed, 2000, 'flooder close')).code, CloseCode.RateLimited);
    // Prompt while the flood lasts: the typical round trip stays short (a loaded box may stall a few).
    const sorted = [...rtts].sort((a, b) => a - b);
    const shown = rtts.map((r) => r.toFixed(1)).join(', ');
    assert.ok((sorted[Math.floor(sorted.length / 2)] ?? Infinity) < 50 && (sorted.at(-1) ?? Infinity) < 1000, `calm round trips: ${shown}`);
    assert.equal(server.stats().rateLimited, 1);
    // 20 calm messages, the flooder's burst of 1200 and what refilled meanwhile (50/s).
    assert.ok(delivered >= 1_220 && delivered <= 1_400, `delivered ${delivered}`);
    assert.equal(server.sessions.size, 2, 'the flooder keeps its session');
  });
});
