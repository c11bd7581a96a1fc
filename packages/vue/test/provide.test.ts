// The Vue plugin and provideLifeline: one shared client per app, reactive connection state, sending and RPC, cleanup on unmount; mounted with @vue/test-utils on happy-dom.

import { restoreDom } from './dom.js';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LifelineClient, LifelineError } from '@lifeline/client';
import type { Json } from '@lifeline/protocol';
import { mount } from '@vue/test-utils';
import { createApp, defineComponent, effectScope, h, ref } from 'vue';
import { createLifeline, provideLifeline, useCall, useConnection, useLifeline, useLifelineEvent, useSend, type UseCall, type UseConnection } from '../src/index.js';
import { settle, world } from './world.js';

after(restoreDom);

/** A component that runs `setup` and renders nothing of interest. */
const probe = (setup: () => void) =>
  defineComponent({
    setup() {
      setup();
      return () => h('i');
    },
  });

describe('vue: one shared client per app', () => {
  it('the plugin makes one client from a url, shared by every component, and closes it when the app unmounts', async () => {
    const w = world();
    const plugin = createLifeline({ url: 'ws://loopback.test/', options: w.options() });
    const seen: LifelineClient[] = [];
    const Child = probe(() => void seen.push(useLifeline()));
    const App = defineComponent({ setup: () => () => h('div', [h(Child), h(Child)]) });
    const wrapper = mount(App, { global: { plugins: [plugin] } });
    await settle();
    assert.equal(seen.length, 2);
    assert.equal(seen[0], seen[1], 'one client');
    assert.equal(seen[0], plugin.client);
    assert.equal(plugin.client.ready, true);
    assert.equal(w.loopback.sockets.length, 1, 'one connection');
    assert.equal(w.environment.listening, 1);
    wrapper.unmount();
    await settle();
    assert.equal(plugin.client.state, 'closed');
    assert.equal(w.openSockets(), 0);
    assert.equal(w.environment.listening, 0, 'the closed client let go of the environment');
    assert.equal(w.engine.stats().sessions, 0, 'bye: the server ended the session');
    assert.throws(() => plugin.install(createApp(App)), /already installed/);
  });

  it('a client the app made is used as is, never closed, and left with no listener of the binding', async () => {
    const w = world();
    const client = w.client();
    const before = client.listening;
    let connection: UseConnection | undefined;
    const App = probe(() => {
      connection = useConnection();
      useLifelineEvent('session', () => {});
    });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    await settle();
    assert.equal(connection?.ready.value, true);
    assert.ok(client.listening > before);
    wrapper.unmount();
    await settle();
    assert.equal(client.listening, before, 'every listener removed');
    assert.equal(client.ready, true, 'still connected');
    assert.equal(w.loopback.sockets.length, 1);
    client.close();
  });

  it('provideLifeline gives a subtree its own client, closed with the component that provided it', async () => {
    const w = world();
    let outer: LifelineClient | undefined;
    let inner: LifelineClient | undefined;
    const Inner = probe(() => void (inner = useLifeline()));
    const show = ref(true);
    const Section = defineComponent({
      setup() {
        provideLifeline({ url: 'ws://loopback.test/', options: w.options() });
        return () => h(Inner);
      },
    });
    const App = defineComponent({
      setup() {
        outer = useLifeline();
        return () => h('div', show.value ? [h(Section)] : []);
      },
    });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ url: 'ws://loopback.test/', options: w.options() })] } });
    await settle();
    assert.ok(inner && outer && inner !== outer);
    assert.equal(w.loopback.sockets.length, 2);
    show.value = false;
    await settle();
    assert.equal(inner.state, 'closed');
    assert.equal(outer.ready, true);
    wrapper.unmount();
    await settle();
    assert.equal(outer.state, 'closed');
    assert.equal(w.environment.listening, 0);
  });

  it('composables throw a clear error outside setup() or without a provider', () => {
    assert.throws(() => useLifeline(), /must be called in setup/);
    const scope = effectScope();
    assert.throws(() => scope.run(() => useConnection()), /must be called in setup/);
    scope.stop();
    assert.throws(() => mount(probe(() => useLifeline()), { global: { config: { warnHandler: () => {} } } }), /no Lifeline client/);
  });
});

describe('vue: connection state, sending and RPC', () => {
  it('useConnection follows the client: phase, ready, session, outbox size, and down again after a close', async () => {
    const w = world();
    const client = w.client();
    let c: UseConnection | undefined;
    let send: ((data: Json) => Promise<void>) | undefined;
    const App = defineComponent({
      setup() {
        c = useConnection();
        send = useSend();
        return () => h('p', `${c?.state.value}/${c?.phase.value}`);
      },
    });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    if (!c || !send) throw new Error('not set up');
    const conn = c;
    assert.notEqual(conn.phase.value, 'ready', 'the handshake has not run yet');
    await settle();
    assert.equal(conn.phase.value, 'ready');
    assert.equal(conn.ready.value, true);
    assert.equal(conn.state.value, 'open');
    assert.equal(conn.sessionId.value, client.sessionId);
    assert.equal(conn.session.value?.resumed, false);
    assert.equal(wrapper.text(), 'open/ready');
    const snapshot = conn.snapshot.value;
    await settle();
    assert.equal(conn.snapshot.value, snapshot, 'the same object while nothing changed');
    // While no link is up, a send waits in the outbox; the count shows it, and the ack clears it.
    w.loopback.refusing = true;
    w.loopback.cut();
    await settle();
    assert.equal(conn.ready.value, false);
    const sent = send({ text: 'hi' });
    assert.equal(conn.outboxSize.value, 1);
    w.loopback.refusing = false;
    await w.advance(12_000);
    await sent;
    await settle();
    assert.equal(conn.outboxSize.value, 0);
    assert.equal(conn.session.value?.resumed, true);
    client.close();
    await settle();
    assert.equal(conn.state.value, 'closed');
    assert.equal(conn.ready.value, false);
    wrapper.unmount();
  });

  it('useSend and useCall return the client’s promises; useCall keeps pending, result and error of the latest call', async () => {
    const w = world();
    const client = w.client();
    const got: unknown[] = [];
    w.engine.on('message', (_s, data) => void got.push(data));
    let add: UseCall<unknown, unknown> | undefined;
    let missing: UseCall<unknown, unknown> | undefined;
    let send: ((data: Json) => Promise<void>) | undefined;
    const App = probe(() => {
      add = useCall('add');
      missing = useCall('missing');
      send = useSend();
    });
    const wrapper = mount(App, { global: { plugins: [createLifeline({ client })] } });
    await settle();
    if (!add || !missing || !send) throw new Error('not set up');
    const sending = send({ n: 1 });
    assert.ok(sending instanceof Promise);
    await sending;
    assert.deepEqual(got, [{ n: 1 }]);
    const sum = add.call({ a: 2, b: 3 });
    assert.equal(add.pending.value, true);
    assert.equal(await sum, 5);
    await settle();
    assert.equal(add.pending.value, false);
    assert.equal(add.result.value, 5);
    const failed = missing.call(null);
    await assert.rejects(failed, (e: unknown) => e instanceof LifelineError && e.code === 'unknown-method');
    await settle();
    assert.ok(missing.error.value instanceof LifelineError);
    assert.equal(missing.result.value, undefined);
    // The latest call wins the refs, whichever settles first.
    const first = add.call({ a: 1, b: 1 });
    const second = add.call({ a: 10, b: 10 });
    assert.deepEqual(await Promise.all([first, second]), [2, 20]);
    await settle();
    assert.equal(add.result.value, 20);
    // After unmount a call still returns the client's promise; the refs are left alone.
    wrapper.unmount();
    const late = add.call({ a: 0, b: 1 });
    assert.equal(await late, 1);
    await settle();
    assert.equal(add.result.value, 20);
    client.close();
  });
});
