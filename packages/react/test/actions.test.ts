// React sending and RPC under StrictMode: useSend and useCall return the client's promises; useCall's state follows the latest call; useLifelineEvent calls the latest listener and cleans up.

import { restoreDom } from './dom.js';
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { useState } from 'react';
import { LifelineError } from '@lifeline/client';
import type { Json } from '@lifeline/protocol';
import { act, cleanup, renderHook } from '@testing-library/react';
import { useCall, useLifelineEvent, useSend } from '../src/index.js';
import { providerWrapper } from './components.js';
import { settle, world } from './world.js';

after(restoreDom);
afterEach(cleanup);

const flush = (): Promise<void> => act(() => settle());

describe('react: sending and RPC', () => {
  it('useSend resolves once the server acknowledged; useCall keeps pending, result and error of the latest call', async () => {
    const w = world();
    const client = w.client();
    const got: Json[] = [];
    w.engine.on('message', (_s, data) => void got.push(data));
    const hook = renderHook(() => ({ send: useSend(), add: useCall('add'), missing: useCall('missing') }), { wrapper: providerWrapper({ client }), reactStrictMode: true });
    await flush();
    let sent: Promise<void> | undefined;
    act(() => void (sent = hook.result.current.send({ n: 1 })));
    await flush();
    await sent;
    assert.deepEqual(got, [{ n: 1 }]);
    let sum: Promise<Json> | undefined;
    act(() => void (sum = hook.result.current.add.call({ a: 2, b: 3 })));
    assert.equal(hook.result.current.add.pending, true);
    await flush();
    assert.equal(await sum, 5);
    assert.equal(hook.result.current.add.pending, false);
    assert.equal(hook.result.current.add.result, 5);
    const stable = hook.result.current.add.call;
    let failed: Promise<Json> | undefined;
    act(() => void (failed = hook.result.current.missing.call(null)));
    await flush();
    await assert.rejects(failed ?? Promise.resolve(), (e: unknown) => e instanceof LifelineError && e.code === 'unknown-method');
    assert.ok(hook.result.current.missing.error instanceof LifelineError);
    assert.equal(hook.result.current.add.call, stable, 'a stable call');
    // The latest call wins the state.
    let both: Promise<Json[]> | undefined;
    act(() => void (both = Promise.all([hook.result.current.add.call({ a: 1, b: 1 }), hook.result.current.add.call({ a: 10, b: 10 })])));
    await flush();
    assert.deepEqual(await both, [2, 20]);
    assert.equal(hook.result.current.add.result, 20);
    assert.equal(hook.result.current.add.pending, false);
    hook.unmount();
    client.close();
  });

  it('useLifelineEvent calls the latest listener, once per event, and stops on unmount', async () => {
    const w = world();
    const client = w.client();
    await settle();
    const before = client.listening;
    const heard: string[] = [];
    const hook = renderHook(
      () => {
        const [tag, setTag] = useState('first');
        useLifelineEvent('message', (data) => void heard.push(`${tag}:${JSON.stringify(data)}`));
        return setTag;
      },
      { wrapper: providerWrapper({ client }), reactStrictMode: true },
    );
    await flush();
    await w.engine.broadcast('a');
    await flush();
    act(() => hook.result.current('second'));
    await w.engine.broadcast('b');
    await flush();
    assert.deepEqual(heard, ['first:"a"', 'second:"b"'], 'once each though StrictMode mounted twice; the latest listener');
    hook.unmount();
    await flush();
    assert.equal(client.listening, before);
    client.close();
  });
});
