// Test page of the durable outbox: a client whose outbox lives in IndexedDB, driven by the browser test through `window.__durable`.

import { LifelineClient, indexedDbOutbox } from '../../src/index.js';

declare global {
  interface Window {
    __durable?: {
      restored: number[];
      acked: number;
      /** Send `count` messages `{n}` from `from` on, without waiting; `acked` counts their acks. */
      burst(from: number, count: number): void;
      /** What the storage still holds. */
      stored(): Promise<number>;
      ready(): boolean;
    };
  }
}

const storage = indexedDbOutbox('lifeline-durable-test');
const client = new LifelineClient(`ws://${location.host}/ws`, { outboxStorage: storage });
const state = document.querySelector<HTMLElement>('[data-testid="state"]');
const hook = {
  restored: [] as number[],
  acked: 0,
  burst(from: number, count: number) {
    for (let n = from; n < from + count; n++) {
      client.send({ n }).then(
        () => void hook.acked++,
        () => undefined,
      );
    }
  },
  stored: async () => (await storage.load()).length,
  ready: () => client.ready,
};
window.__durable = hook;
client.on('restored', ({ count }) => hook.restored.push(count));
client.on('statechange', ({ to }) => {
  if (state) state.textContent = to;
});
