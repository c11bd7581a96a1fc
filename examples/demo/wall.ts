// The demo's monitoring wall on the server: simulated devices publishing on a channel each, the viewers' presence, and a slow RPC counted per call.

import type { ServerOptions } from '@lifeline/server';
import type { LifelineServer } from '@lifeline/server/ws';

/** A viewer name a page may claim (its identity): short, plain characters. */
const VIEWER = /^[A-Za-z0-9_-]{1,32}$/;

/** The options the wall adds to the demo's server. */
export function wallOptions(graceMs: number): Pick<ServerOptions, 'authenticate' | 'channels' | 'presence'> {
  return {
    authenticate: ({ auth }) => (typeof auth === 'string' && VIEWER.test(auth) ? auth : null),
    channels: { presence: (channel) => channel === 'viewers' },
    presence: { grace: graceMs },
  };
}

/** What the wall runs: the device publishers and the RPC method; `calls` counts each call id's runs. */
export function startWall(server: LifelineServer, devices: number, tickMs: number, callMs: number): { calls: Map<string, number>; stop(): void } {
  const calls = new Map<string, number>();
  server.handle('restartDevice', async (params, ctx) => {
    calls.set(ctx.id, (calls.get(ctx.id) ?? 0) + 1);
    console.log(`CALL restartDevice ${JSON.stringify(params)} id=${ctx.id} runs=${calls.get(ctx.id) ?? 0}`);
    await new Promise((resolve) => setTimeout(resolve, callMs));
    return { restarted: params, at: Date.now() };
  });
  let n = 0;
  const timer = setInterval(() => {
    n++;
    for (let d = 1; d <= devices; d++) {
      // A reading that drifts a little per device, so the tiles visibly move.
      const value = Math.round((20 + d * 5 + 3 * Math.sin((n + d * 7) / 5)) * 10) / 10;
      void server.publish(`device:${d}`, { device: d, n, value, at: Date.now() });
    }
  }, tickMs);
  return { calls, stop: () => clearInterval(timer) };
}
