// S1 idle density (RSS, heap, kernel per connection) and S2 heartbeat cost (server CPU per beat).

import { contender } from '../contenders/index.js';
import { connectRaw, isolated, readLoads, shuffled, startServer, type Mem } from '../lib/harness.js';
import { slabBytes } from '../lib/kernel.js';
import { sleep } from '../lib/time.js';
import type { Scenario } from './types.js';

export const s1: Scenario = {
  id: 'S1',
  title: 'Idle density: idle connections with default heartbeats',
  async run(ctx, out) {
    const { s1Conns: n, s1SettleMs, connectConcurrency, trials } = ctx.sizes;
    out.def(
      { key: 'rss', label: 'server RSS / conn', unit: 'B', better: 'lower', chart: true },
      { key: 'heap', label: 'heapUsed / conn', unit: 'B', better: 'lower', chart: true },
      { key: 'kernel', label: 'kernel slab / socket', unit: 'B', better: 'lower' },
      { key: 'accept', label: 'server CPU / accepted conn', unit: 'µs', better: 'lower' },
      { key: 'perGiB', label: 'conns per GiB (RSS + kernel, extrapolated)', unit: 'k', better: 'higher' },
    );
    const notes: string[] = [];
    for (let t = 0; t < trials; t++) {
      for (const id of shuffled(ctx.ids)) {
        await isolated(ctx, notes, `S1 ${id} trial ${t + 1}`, async (s) => {
          const [server, loads] = await Promise.all([s.server(`S1 ${id} server`), s.loads(`S1 ${id}`)]);
          const port = await startServer(server, id, { heartbeat: 'default', port: 0 });
          await sleep(100);
          const m0 = await server.call<Mem>('mem', { gc: true });
          const slab0 = slabBytes();
          const c0 = await server.call<number>('cpu');
          const { connected, ms } = await connectRaw(loads, id, port, n, connectConcurrency);
          const c1 = await server.call<number>('cpu');
          await sleep(s1SettleMs);
          const m1 = await server.call<Mem>('mem', { gc: true });
          const slab1 = slabBytes();
          if (connected < n) notes.push(`${id} trial ${t + 1}: only ${connected}/${n} connected`);
          if (connected === 0) return;
          const rss = (m1.rss - m0.rss) / connected;
          const kernel = (slab1 - slab0) / 2 / connected;
          out.add('rss', id, rss);
          out.add('heap', id, (m1.heapUsed - m0.heapUsed) / connected);
          out.add('kernel', id, kernel);
          out.add('accept', id, (c1 - c0) / connected);
          out.add('perGiB', id, 2 ** 30 / (rss + Math.max(0, kernel)) / 1000);
          ctx.log(`S1 ${id} t${t + 1}: ${connected} conns in ${Math.round(ms)} ms, rss/conn ${Math.round(rss)} B`);
        });
      }
    }
    notes.push('Kernel slab is the system-wide /proc/meminfo Slab delta divided by 2 (both socket ends are local); treat as approximate.');
    notes.push('conns per GiB is an extrapolation from this many connections (one process holds at most ~19.5k sockets: fd limit 20000).');
    return { params: { connections: n, connectInFlight: connectConcurrency * 2, settleMs: s1SettleMs }, notes };
  },
};

export const s2: Scenario = {
  id: 'S2',
  title: 'Heartbeat cost: server CPU per connection per beat (equal interval), and at each default interval',
  async run(ctx, out) {
    const { s2Conns: n, s2Heartbeat: hb, s2WindowMs, connectConcurrency, trials } = ctx.sizes;
    out.def(
      { key: 'perBeat', label: 'server CPU / conn / beat', unit: 'µs', better: 'lower', chart: true },
      { key: 'defaultPct', label: 'server core % at default interval (derived)', unit: '%', better: 'lower' },
      { key: 'beatsPerS', label: 'beats / s observed', unit: '/s', better: 'higher', noRatio: true },
      { key: 'loadCpu', label: 'load CPU', unit: '%', better: 'lower', noRatio: true },
    );
    const notes: string[] = [];
    for (let t = 0; t < trials; t++) {
      for (const id of shuffled(ctx.ids)) {
        await isolated(ctx, notes, `S2 ${id} trial ${t + 1}`, async (s) => {
          const [server, loads] = await Promise.all([s.server(`S2 ${id} server`), s.loads(`S2 ${id}`)]);
          const port = await startServer(server, id, { heartbeat: hb, port: 0 });
          const { connected } = await connectRaw(loads, id, port, n, connectConcurrency);
          if (connected < n) notes.push(`${id} trial ${t + 1}: only ${connected}/${n} connected`);
          await sleep(Math.max(ctx.quick ? 500 : 1_000, 2 * hb.intervalMs)); // let the connect burst and first beats pass
          await Promise.all(loads.map((l) => l.call('mark')));
          const c0 = await server.call<number>('cpu');
          await sleep(s2WindowMs);
          const c1 = await server.call<number>('cpu');
          const r = await readLoads(loads);
          if (r.beats === 0) {
            notes.push(`${id} trial ${t + 1}: no beats observed`);
            return;
          }
          const perBeat = (c1 - c0) / r.beats;
          out.add('perBeat', id, perBeat);
          out.add('beatsPerS', id, (r.beats / r.wallMs) * 1000);
          out.add('loadCpu', id, (r.cpuUs / r.wallMs / 1000) * 100);
          const defaultMs = contender(id).defaultPingIntervalMs;
          out.add('defaultPct', id, ((perBeat * n) / (defaultMs * 1000)) * 100);
          ctx.log(`S2 ${id} t${t + 1}: ${r.beats} beats, ${perBeat.toFixed(1)} µs/beat`);
        });
      }
    }
    notes.push(
      `Equal settings for all: heartbeat every ${hb.intervalMs} ms on ${n} idle connections, ${s2WindowMs} ms window; beats are counted at the clients; the per-beat figure includes the server's idle background (small at this rate).`,
    );
    notes.push('"core % at default interval" = per-beat cost × connections ÷ each library\'s default ping period (R/RWS 30 s, SIO 25 s, LS 20 s, LL 20 s): what users pay.');
    return { params: { connections: n, heartbeat: hb, windowMs: s2WindowMs }, notes };
  },
};
