// S5 restoration: time from the end of an outage to each client's first successful round trip,
// for outages where the server is down (connections refused) and where a proxy black-holes it.
// All contenders share the same fault window (performance.md §10.1 rule 5).

import type { ContenderId } from '../contenders/types.js';
import type { ProbeResult } from '../lib/fleet-role.js';
import { startServer, startServerAt, scoped, type Scope } from '../lib/harness.js';
import { LOAD_CORE, type Child } from '../lib/procs.js';
import { nowMs, sleep, waitUntil } from '../lib/time.js';
import { censoredQuantile, mean, single } from './timing.js';
import type { Scenario } from './types.js';

interface Setup {
  id: ContenderId;
  downServer: Child;
  downPort: number;
  holeServer: Child;
  fleet: Child;
}

const MODES = ['refused', 'blackhole'] as const;

export const s5: Scenario = {
  id: 'S5',
  title: 'Restoration: time from the end of an outage to the first successful round trip',
  async run(ctx, out) {
    const { s5Clients: n, s5SpansS, s5DeadlineMs } = ctx.sizes;
    const longest = Math.max(...s5SpansS);
    for (const mode of MODES) {
      for (const span of s5SpansS) {
        const k = `${mode}.${span}s`;
        out.def(
          { key: `${k}.p50`, label: `${mode} ${span} s: p50 to first round trip`, unit: 'ms', better: 'lower', chart: span === longest },
          { key: `${k}.p99`, label: `${mode} ${span} s: p99`, unit: 'ms', better: 'lower' },
          { key: `${k}.att`, label: `${mode} ${span} s: attempts / client during outage`, unit: '', better: 'lower' },
        );
      }
    }
    const notes: string[] = [];
    for (const span of s5SpansS) {
      await scoped(ctx, async (s: Scope) => {
        const proxy = await s.spawn('proxy', `S5 proxy`, LOAD_CORE);
        const setups: Setup[] = await Promise.all(
          ctx.ids.map(async (id) => {
            const [downServer, holeServer, fleet] = await Promise.all([s.server(`S5 ${id} down-server`), s.server(`S5 ${id} hole-server`), s.fleet(`S5 ${id} fleet`)]);
            const downPort = await startServer(downServer, id, { heartbeat: 'default', port: 0 });
            const holePort = await startServer(holeServer, id, { heartbeat: 'default', port: 0 });
            const proxyPort = await proxy.call<number>('start', { key: id, targetPort: holePort });
            await fleet.call('create', { group: 'refused', id, url: `ws://127.0.0.1:${downPort}`, n, heartbeat: 'default', perTick: 20 });
            await fleet.call('create', { group: 'blackhole', id, url: `ws://127.0.0.1:${proxyPort}`, n, heartbeat: 'default', perTick: 20 });
            return { id, downServer, downPort, holeServer, fleet };
          }),
        );
        const allOpen = await waitUntil(async () => {
          const counts = await Promise.all(setups.flatMap((x) => MODES.map((g) => x.fleet.call<number>('open', { group: g }))));
          return counts.every((c) => c >= n);
        }, 30_000, 100);
        if (!allOpen) notes.push(`${span} s: not every client was open before the outage`);
        await sleep(500);
        await Promise.all(setups.flatMap((x) => MODES.map((g) => x.fleet.call('mark', { group: g }))));
        // The fault: every refused-mode server dies and the proxy swallows everything, at once.
        await Promise.all([...setups.map((x) => x.downServer.kill()), proxy.call('blackhole', { on: true })]);
        // Probe from now on: successes are stamped in the fleets, so IPC delays do not count.
        await Promise.all(setups.flatMap((x) => MODES.map((g) => x.fleet.call('probe', { group: g, deadlineMs: span * 1000 + s5DeadlineMs + 5_000 }))));
        ctx.log(`S5 outage ${span} s`);
        await sleep(span * 1000);
        const restoredAt = new Map<string, number>();
        await Promise.all([
          ...setups.map(async (x) => {
            x.downServer = await s.server(`S5 ${x.id} down-server (restarted)`);
            const r = await startServerAt(x.downServer, x.id, { heartbeat: 'default', port: x.downPort });
            restoredAt.set(`${x.id}.refused`, r.listeningAt);
          }),
          (async () => {
            const t = await proxy.call<number>('blackhole', { on: false });
            for (const x of setups) restoredAt.set(`${x.id}.blackhole`, t);
          })(),
        ]);
        const status = async (x: Setup, g: string): Promise<ProbeResult> => x.fleet.call<ProbeResult>('probeStatus', { group: g, fromMs: restoredAt.get(`${x.id}.${g}`) ?? 0 });
        await waitUntil(async () => {
          const st = await Promise.all(setups.flatMap((x) => MODES.map((g) => status(x, g))));
          return st.every((r) => r.done >= r.n);
        }, s5DeadlineMs + 1_000, 200);
        for (const x of setups) {
          for (const g of MODES) {
            const r = await status(x, g);
            const k = `${g}.${span}s`;
            out.put(`${k}.p50`, x.id, censoredQuantile(r.times, r.n, 0.5, s5DeadlineMs));
            out.put(`${k}.p99`, x.id, censoredQuantile(r.times, r.n, 0.99, s5DeadlineMs));
            out.put(`${k}.att`, x.id, single(mean(r.attemptsDuringOutage), r.n));
            if (r.done < r.n) notes.push(`${x.id} ${g} ${span} s: ${r.n - r.done}/${r.n} clients had no successful round trip within ${s5DeadlineMs / 1000} s`);
          }
        }
      });
    }
    notes.push(
      `${n} clients per contender and mode, all contenders in the same fault window; clock starts when the restarted server listens (refused) or the proxy forwards again (black hole). One run per outage length: the spread is over clients, not trials.`,
    );
    notes.push(
      `Floor: every fleet shares the load core, so at restoration that core serves ${n * 2 * ctx.ids.length} clients at once; a few hundred ms of p50 is that queue, not the library. Differences below ~0.3 s are within the harness floor.`,
    );
    notes.push(
      'Black hole = userspace proxy that forwards nothing and closes nothing during the outage. Its kernel still completes TCP handshakes, so new attempts see "connected, upgrade pending" instead of unanswered SYNs (each library\'s own handshake timeout applies); after restoration held bytes flow at once (TCP retransmission backoff is not modelled, which flatters surviving connections).',
    );
    return { params: { clients: n, spansS: s5SpansS, deadlineMs: s5DeadlineMs }, notes };
  },
};
