// S6 half-open detection: SIGSTOP the server and time until each client reports the link dead;
// SIGSTOP the clients' process and time until the server frees each connection. Each library's
// defaults and equal settings, all contenders in the same fault window.

import type { ContenderId, HeartbeatSetting } from '../contenders/types.js';
import { startServer, scoped } from '../lib/harness.js';
import type { Child } from '../lib/procs.js';
import { nowMs, sleep, waitUntil } from '../lib/time.js';
import { censoredQuantile } from './timing.js';
import type { Scenario } from './types.js';

interface Setup {
  id: ContenderId;
  /** Server that will be frozen, and the (live) fleet watching it. */
  frozenServer: Child;
  watchFleet: Child;
  /** Live server watching a fleet that will be frozen. */
  liveServer: Child;
  frozenFleet: Child;
}

export const s6: Scenario = {
  id: 'S6',
  title: 'Half-open detection: process frozen with SIGSTOP (its kernel keeps ACKing)',
  async run(ctx, out) {
    const { s6Clients: n, s6Equal, s6CapMs, s6Defaults } = ctx.sizes;
    const settings: Array<[string, HeartbeatSetting]> = [['equal', s6Equal], ...(s6Defaults ? ([['default', 'default']] as Array<[string, HeartbeatSetting]>) : [])];
    for (const [name] of settings) {
      out.def(
        { key: `${name}.client.p50`, label: `${name}: client reports dead, p50`, unit: 'ms', better: 'lower', chart: name === 'default' || !s6Defaults },
        { key: `${name}.client.max`, label: `${name}: client reports dead, max`, unit: 'ms', better: 'lower' },
        { key: `${name}.server.p50`, label: `${name}: server frees conn, p50`, unit: 'ms', better: 'lower', chart: name === 'default' || !s6Defaults },
        { key: `${name}.server.max`, label: `${name}: server frees conn, max`, unit: 'ms', better: 'lower' },
      );
    }
    const notes: string[] = [];
    await scoped(ctx, async (s) => {
      const setups: Setup[] = await Promise.all(
        ctx.ids.map(async (id) => {
          const [frozenServer, watchFleet, liveServer, frozenFleet] = await Promise.all([
            s.server(`S6 ${id} frozen server`),
            s.fleet(`S6 ${id} watching fleet`),
            s.server(`S6 ${id} live server`),
            s.fleet(`S6 ${id} frozen fleet`),
          ]);
          for (const [name, hb] of settings) {
            const p1 = await startServer(frozenServer, id, { heartbeat: hb, port: 0 }, name);
            const p2 = await startServer(liveServer, id, { heartbeat: hb, port: 0 }, name);
            await watchFleet.call('create', { group: name, id, url: `ws://127.0.0.1:${p1}`, n, heartbeat: hb, perTick: 20 });
            await frozenFleet.call('create', { group: name, id, url: `ws://127.0.0.1:${p2}`, n, heartbeat: hb, perTick: 20 });
          }
          return { id, frozenServer, watchFleet, liveServer, frozenFleet };
        }),
      );
      const ok = await waitUntil(async () => {
        const c = await Promise.all(setups.flatMap((x) => settings.flatMap(([g]) => [x.watchFleet.call<number>('open', { group: g }), x.frozenFleet.call<number>('open', { group: g })])));
        return c.every((v) => v >= n);
      }, 20_000, 100);
      if (!ok) notes.push('not every client was open before the freeze');
      await sleep(300);
      const freedBefore = new Map<string, number>();
      for (const x of setups) {
        for (const [g] of settings) {
          await x.watchFleet.call('mark', { group: g });
          freedBefore.set(`${x.id}.${g}`, (await x.liveServer.call<number[]>('freed', { key: g })).length);
        }
      }
      const t0 = nowMs();
      for (const x of setups) {
        x.frozenServer.signal('SIGSTOP');
        x.frozenFleet.signal('SIGSTOP');
      }
      ctx.log(`S6 frozen; waiting up to ${s6CapMs / 1000} s`);
      const collect = async (): Promise<Map<string, { client: number[]; server: number[] }>> => {
        const res = new Map<string, { client: number[]; server: number[] }>();
        for (const x of setups) {
          for (const [g] of settings) {
            const downs = (await x.watchFleet.call<number[]>('downs', { group: g })).filter((d) => !Number.isNaN(d)).map((d) => d - t0);
            const freed = (await x.liveServer.call<number[]>('freed', { key: g })).slice(freedBefore.get(`${x.id}.${g}`) ?? 0).map((d) => d - t0);
            res.set(`${x.id}.${g}`, { client: downs, server: freed.slice(0, n) });
          }
        }
        return res;
      };
      await waitUntil(async () => [...(await collect()).values()].every((r) => r.client.length >= n && r.server.length >= n), s6CapMs, 250);
      const res = await collect();
      for (const x of setups) {
        for (const [g] of settings) {
          const r = res.get(`${x.id}.${g}`) ?? { client: [], server: [] };
          out.put(`${g}.client.p50`, x.id, censoredQuantile(r.client, n, 0.5, s6CapMs));
          out.put(`${g}.client.max`, x.id, censoredQuantile(r.client, n, 1, s6CapMs));
          out.put(`${g}.server.p50`, x.id, censoredQuantile(r.server, n, 0.5, s6CapMs));
          out.put(`${g}.server.max`, x.id, censoredQuantile(r.server, n, 1, s6CapMs));
        }
      }
      for (const x of setups) {
        x.frozenServer.signal('SIGCONT');
        x.frozenFleet.signal('SIGCONT');
      }
    });
    notes.push(
      `${n} clients per contender and setting. Equal settings: heartbeat interval ${s6Equal.intervalMs} ms, timeout ${s6Equal.timeoutMs} ms (sweep-based servers sweep every interval, so they free a peer within 2 intervals). "> cap" = not detected within ${s6CapMs / 1000} s (RWS has no client heartbeat: it relies on TCP, which a frozen process keeps alive).`,
    );
    if (!s6Defaults) notes.push('Quick mode runs equal settings only (defaults need ~60 s).');
    return { params: { clients: n, equal: s6Equal, capMs: s6CapMs, defaults: s6Defaults }, notes };
  },
};
