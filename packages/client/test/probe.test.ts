// Client-initiated probes: a doubtful link (back online, visible again) is checked with a ping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Environment, EnvironmentSignal } from '@lifeline/socket';
import { flush, setup } from './fake-server.js';

function scriptedEnvironment() {
  let listener: ((signal: EnvironmentSignal) => void) | undefined;
  const environment: Environment = {
    isOnline: () => true,
    subscribe(l) {
      listener = l;
      return () => void (listener = undefined);
    },
  };
  return { environment, signal: (s: EnvironmentSignal) => listener?.(s) };
}

describe('LifelineClient probes', () => {
  it('pings on "online" once the session is ready, and a pong reports the round trip', async () => {
    const env = scriptedEnvironment();
    const { client, server, clock, events } = setup({ environment: env.environment });
    await server.accept();
    env.signal('online'); // before the welcome: no probe (the server would answer not-ready)
    assert.equal(server.framesOf('ping').length, 0);
    server.welcome({ heartbeat: { interval: 20_000, timeout: 3_000 } });
    await flush();
    server.push('a');
    env.signal('online');
    assert.deepEqual(server.framesOf('ping'), [{ t: 'ping', ack: 1 }]);
    clock.advance(40);
    server.send({ t: 'pong', ack: 0 });
    assert.deepEqual(events.first('heartbeat'), [{ rtt: 40 }]);
    assert.equal(client.rtt, 40);
    assert.deepEqual(events.first('message'), ['a'], 'the pong is not an application message');
    client.close();
  });

  it('tears a link down when a probe goes unanswered for the announced timeout, then resumes', async () => {
    const env = scriptedEnvironment();
    const { client, server, clock, transport, events } = setup({ environment: env.environment });
    await server.connect({ heartbeat: { interval: 20_000, timeout: 3_000 } });
    env.signal('visible');
    assert.equal(server.framesOf('ping').length, 1);
    clock.advance(2_999);
    assert.equal(client.state, 'open', 'not before the timeout');
    clock.advance(1);
    assert.equal(client.state, 'reconnecting');
    assert.equal(events.first('close').at(-1)?.code, 1006);
    server.advanceToNextTimer();
    assert.equal(transport.count, 2);
    const hello = await server.accept();
    assert.equal(hello.resume?.id, 's1');
    client.close();
  });

  it('a link that stops taking writes before its close arrives is probed once, without recursion', async () => {
    const { client, server, reported } = setup();
    await server.connect({ heartbeat: { interval: 20_000, timeout: 3_000 } });
    // The peer died: the transport is closing, but its close event has not been dispatched yet.
    server.ws.readyState = 2;
    const sends = Array.from({ length: 50 }, (_, i) => client.send(`m${i}`));
    assert.deepEqual(reported, [], 'nothing thrown (a recursion would overflow the stack)');
    server.ws.serverClose(1006);
    server.advanceToNextTimer();
    await server.accept();
    server.welcome({ resumed: true, lastSeq: 0 });
    await flush();
    assert.deepEqual(server.framesOf('msg').map((m) => m.data), sends.map((_, i) => `m${i}`), 'all kept and sent once on the next link');
    server.send({ t: 'ack', seq: sends.length });
    await Promise.all(sends);
    client.close();
  });
});

