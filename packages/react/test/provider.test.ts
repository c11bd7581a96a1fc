// LifelineProvider under StrictMode: one client and one connection through mount-unmount-mount, none made during render, closed on unmount only if the provider made it; useConnection's snapshots.

import { restoreDom } from './dom.js';
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { createElement } from 'react';
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { useConnection, useLifelineClient, useSend } from '../src/index.js';
import { ClientProbe, ConnectionProbe, newLog, providerWrapper, strictApp } from './components.js';
import { settle, world } from './world.js';

after(restoreDom);
afterEach(cleanup);

const flush = (): Promise<void> => act(() => settle());

describe('react: LifelineProvider under StrictMode', () => {
  it('a url makes one client and one connection through StrictMode’s double render and remount, closed on unmount', async () => {
    const w = world();
    const log = newLog();
    const view = render(strictApp({ url: 'ws://loopback.test/', options: w.options() }, [createElement(ClientProbe, { log, key: 1 }), createElement(ClientProbe, { log, key: 2 })]));
    await flush();
    assert.ok(log.clients.length >= 2);
    assert.equal(log.effects, 4, 'StrictMode really mounted, unmounted and mounted both probes again');
    assert.equal(new Set(log.clients).size, 1, 'every component, every render: the one client');
    const client = log.clients[0];
    assert.ok(client);
    assert.equal(w.loopback.sockets.length, 1, 'one connection');
    assert.equal(w.environment.listening, 1, 'one client listening to the environment');
    assert.equal(w.environment.subscriptions, 1, 'never closed and reconnected by the StrictMode remount');
    assert.deepEqual(w.frames('hello').length, 1, 'one handshake');
    assert.equal(client.ready, true);
    assert.equal(w.engine.stats().sessions, 1);
    view.unmount();
    await flush();
    assert.equal(client.state, 'closed');
    assert.equal(w.openSockets(), 0);
    assert.equal(w.environment.listening, 0);
    assert.equal(w.engine.stats().sessions, 0, 'bye: the session ended');
  });

  it('the children wait (the fallback shows) until the client exists; none is made during render', async () => {
    const w = world();
    let sockets = -1;
    function Fallback() {
      sockets = w.loopback.sockets.length;
      return createElement('p', null, 'connecting…');
    }
    const log = newLog();
    render(strictApp({ url: 'ws://loopback.test/', options: w.options() }, createElement(ClientProbe, { log }), createElement(Fallback)));
    await flush();
    assert.equal(sockets, 0, 'the fallback rendered before any client was made');
    assert.equal(new Set(log.clients).size, 1);
    assert.equal(w.loopback.sockets.length, 1);
  });

  it('a client the app made is used as is: not closed on unmount, and no listener of the binding is left', async () => {
    const w = world();
    const client = w.client();
    const before = client.listening;
    const log = newLog();
    const view = render(strictApp({ client }, [createElement(ClientProbe, { log, key: 1 }), createElement(ConnectionProbe, { log, key: 2 })]));
    await flush();
    assert.equal(new Set(log.clients).size, 1);
    assert.equal(log.clients[0], client);
    assert.ok(client.listening > before);
    view.unmount();
    await flush();
    assert.equal(client.listening, before, 'every listener removed');
    assert.equal(client.ready, true);
    assert.equal(w.loopback.sockets.length, 1);
    client.close();
  });

  it('hooks outside a provider throw a clear error', () => {
    const quiet = console.error;
    console.error = () => {};
    try {
      assert.throws(() => renderHook(() => useLifelineClient()), /inside <LifelineProvider>/);
    } finally {
      console.error = quiet;
    }
  });
});

describe('react: useConnection', () => {
  it('snapshots are the same object between changes and follow phase, outbox and close', async () => {
    const w = world();
    const client = w.client();
    const hook = renderHook(() => ({ connection: useConnection(), send: useSend() }), { wrapper: providerWrapper({ client }), reactStrictMode: true });
    await flush();
    const ready = hook.result.current.connection;
    assert.equal(ready.ready, true);
    assert.equal(ready.phase, 'ready');
    assert.equal(ready.sessionId, client.sessionId);
    assert.equal(ready.session?.resumed, false);
    hook.rerender();
    assert.equal(hook.result.current.connection, ready, 'no change, the same snapshot');
    const send = hook.result.current.send;
    hook.rerender();
    assert.equal(hook.result.current.send, send, 'a stable send');
    // While no link is up a send waits in the outbox: the snapshot shows it, the ack clears it.
    w.loopback.refusing = true;
    w.loopback.cut();
    await flush();
    assert.equal(hook.result.current.connection.ready, false);
    let sent: Promise<void> | undefined;
    act(() => void (sent = hook.result.current.send({ text: 'hi' })));
    assert.equal(hook.result.current.connection.outboxSize, 1);
    w.loopback.refusing = false;
    await act(() => w.advance(12_000));
    await sent;
    await flush();
    assert.equal(hook.result.current.connection.outboxSize, 0);
    assert.equal(hook.result.current.connection.session?.resumed, true);
    act(() => client.close());
    await flush();
    assert.equal(hook.result.current.connection.state, 'closed');
    hook.unmount();
  });
});
