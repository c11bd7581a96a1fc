// The demo's monitoring wall on the server: simulated devices publishing on a channel each, the viewers' presence, and a slow RPC counted per call.

import { CallError, type ServerOptions } from '@lifeline/server';
import type { LifelineServer } from '@lifeline/server/ws';

/** A viewer name a page may claim (its identity): short, plain characters. */
const VIEWER = /^[A-Za-z0-9_-]{1,32}$/;
/** Calls remembered for `GET /debug/calls`; the oldest go first. */
const MAX_CALLS = 200;

/** One run of `restartDevice`, as the server saw it (ms since the epoch). */
export interface CallRun {
  id: string;
  viewer: string;
  device: number;
  runs: number;
  startedAt: number;
  finishedAt?: number;
}

/** The options the wall adds to the demo's server: who a viewer is, which channels exist, presence on `viewers`. */
export function wallOptions(devices: number, graceMs: number): Pick<ServerOptions, 'authenticate' | 'channels' | 'presence'> {
  const known = (channel: string): boolean => channel === 'viewers' || deviceOf(channel, devices) !== undefined;
  return {
    authenticate: ({ auth }) => (typeof auth === 'string' && VIEWER.test(auth) ? auth : null),
    channels: {
      authorize: ({ channel }) => known(channel) || { refuse: `no channel ${channel} on this wall` },
      // Readings come from the devices (the server) only: a tab must not be able to forge one.
      publish: () => ({ refuse: 'the wall is read-only' }),
      presence: (channel) => channel === 'viewers',
    },
    presence: { grace: graceMs },
  };
}

/** What the wall runs: the device publishers and the RPC method; `calls` records each call id's runs. */
export function startWall(server: LifelineServer, devices: number, tickMs: number, callMs: number): { calls: Map<string, CallRun>; stop(): void } {
  const calls = new Map<string, CallRun>();
  const restarts = new Map<number, number>();
  const restarting = new Map<number, number>(); // restarts running per device (two viewers may overlap)
  server.handle('restartDevice', async (params, ctx) => {
    const device = typeof params === 'object' && params !== null && !Array.isArray(params) ? params.device : undefined;
    if (typeof device !== 'number' || deviceOf(`device:${device}`, devices) === undefined) throw new CallError(`no device ${JSON.stringify(device)}: 1..${devices}`);
    const run = calls.get(ctx.id) ?? { id: ctx.id, viewer: ctx.session.identity, device, runs: 0, startedAt: Date.now() };
    run.runs++;
    calls.delete(ctx.id); // re-inserted last: the map stays in age order
    calls.set(ctx.id, run);
    for (const old of calls.keys()) {
      if (calls.size <= MAX_CALLS) break;
      calls.delete(old);
    }
    console.log(`CALL restartDevice device=${device} viewer=${run.viewer} id=${ctx.id} runs=${run.runs}`);
    restarting.set(device, (restarting.get(device) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, callMs)); // a real while: long enough to cut the link meanwhile
    restarting.set(device, (restarting.get(device) ?? 1) - 1);
    run.finishedAt = Date.now();
    restarts.set(device, (restarts.get(device) ?? 0) + 1);
    return { device, restarts: restarts.get(device) ?? 0, tookMs: run.finishedAt - run.startedAt };
  });
  let n = 0;
  const timer = setInterval(() => {
    n++;
    for (let d = 1; d <= devices; d++) {
      // A reading that drifts a little per device, so the tiles visibly move.
      const value = Math.round((20 + d * 5 + 3 * Math.sin((n + d * 7) / 5)) * 10) / 10;
      void server.publish(`device:${d}`, { device: d, n, value, restarting: (restarting.get(d) ?? 0) > 0, restarts: restarts.get(d) ?? 0, at: Date.now() });
    }
  }, tickMs);
  return { calls, stop: () => clearInterval(timer) };
}

/** The device number of a channel `device:<n>` with n in 1..devices, else undefined. */
function deviceOf(channel: string, devices: number): number | undefined {
  const match = /^device:([1-9][0-9]{0,3})$/.exec(channel);
  const n = match ? Number(match[1]) : NaN;
  return n >= 1 && n <= devices ? n : undefined;
}
