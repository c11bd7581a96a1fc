// S7 reconnect storm: N connected full-library clients, server SIGKILLed and restarted at once;
// time until 99% and 100% completed a round trip, failed attempts, listen-queue overflows.

import type { ProbeResult } from '../lib/fleet-role.js';
import { isolated, shuffled, startServer, startServerAt } from '../lib/harness.js';
import { nstat, nstatDelta } from '../lib/kernel.js';
import type { Child } from '../lib/procs.js';
import { nowMs, sleep, waitUntil } from '../lib/time.js';
import { censoredQuantile, single } from './timing.js';
import type { Scenario } from './types.js';

export const s7: Scenario = {
  id: 'S7',
  title: 'Reconnect storm: server SIGKILL and immediate restart',
  async run(ctx, out) {
    const { s7Clients: n, s7CapMs } = ctx.sizes;
    out.def(
      { key: 't99', label: 'time to 99% resumed + round trip', unit: 'ms', better: 'lower', chart: true },
      { key: 't100', label: 'time to 100%', unit: 'ms', better: 'lower' },
      { key: 'failed', label: 'failed attempts / client', unit: '', better: 'lower' },
      { key: 'overflows', label: 'listen-queue overflows (nstat)', unit: '', better: 'lower', noRatio: true },
      { key: 'syncookies', label: 'SYN cookies sent (nstat)', unit: '', better: 'lower', noRatio: true },
      { key: 'restart', label: 'server restart (spawn to listening)', unit: 'ms', better: 'lower', noRatio: true },
    );
    const notes: string[] = [];
    const kernel: Record<string, unknown> = {};
    for (const id of shuffled(ctx.ids)) {
      await isolated(ctx, notes, `S7 ${id}`, async (s) => {
        let server = await s.server(`S7 ${id} server`);
        const port = await startServer(server, id, { heartbeat: 'default', port: 0 });
        const nf = ctx.sizes.s7Fleets;
        const fleets: Child[] = await Promise.all(Array.from({ length: nf }, (_, i) => s.fleet(`S7 ${id} fleet${i + 1}`)));
        const per = Math.ceil(n / nf);
        await Promise.all(
          fleets.map((f, i) =>
            f.call('create', { group: 'g', id, url: `ws://127.0.0.1:${port}`, n: Math.max(0, Math.min(per, n - i * per)), heartbeat: 'default', perTick: 15 }, 120_000),
          ),
        );
        const open = async (): Promise<number> => (await Promise.all(fleets.map((f) => f.call<number>('open', { group: 'g' })))).reduce((a, b) => a + b, 0);
        if (!(await waitUntil(async () => (await open()) >= n, 60_000, 200))) notes.push(`${id}: only ${await open()}/${n} open before the kill`);
        await sleep(500);
        await Promise.all(fleets.map((f) => f.call('mark', { group: 'g' })));
        const k0 = nstat();
        const tKill = nowMs();
        await server.kill();
        await Promise.all(fleets.map((f) => f.call('probe', { group: 'g', deadlineMs: s7CapMs + 60_000 })));
        server = await s.server(`S7 ${id} server (restarted)`);
        const tReady = (await startServerAt(server, id, { heartbeat: 'default', port })).listeningAt;
        const status = async (): Promise<ProbeResult[]> => Promise.all(fleets.map((f) => f.call<ProbeResult>('probeStatus', { group: 'g', fromMs: tReady })));
        await waitUntil(async () => (await status()).every((r) => r.done >= r.n), s7CapMs + 1_000, 200);
        const st = await status();
        const k = nstatDelta(k0, nstat());
        kernel[id] = k;
        const times = st.flatMap((r) => r.times);
        const total = st.reduce((a, r) => a + r.n, 0);
        out.put('t99', id, censoredQuantile(times, total, 0.99, s7CapMs));
        out.put('t100', id, censoredQuantile(times, total, 1, s7CapMs));
        const attempts = st.reduce((a, r) => a + r.attemptsAfterMark, 0);
        const opens = st.reduce((a, r) => a + r.opensAfterMark, 0);
        out.put('failed', id, single(Math.max(0, attempts - opens) / total, total));
        out.put('overflows', id, single(k.TcpExtListenOverflows, 1));
        out.put('syncookies', id, single(k.TcpExtSyncookiesSent, 1));
        out.put('restart', id, single(tReady - tKill, 1));
        ctx.log(`S7 ${id}: ${times.length}/${total} back, restart ${Math.round(tReady - tKill)} ms`);
      });
    }
    notes.push(
      `${n} full-library clients in ${ctx.sizes.s7Fleets} process(es) on the load core; the clock starts when the restarted server listens (restart time shown separately). Each library's default listen backlog (Node's 511; LL's createLifelineServer defaults to 4096, capped by net.core.somaxconn). One run per contender; nstat counters are system-wide.`,
    );
    return { params: { clients: n, capMs: s7CapMs }, notes, extra: { nstat: kernel } };
  },
};
