// S3 request/reply round trips (closed loop at fixed in-flight) and S4 fan-out (open-loop paced).

import { BULK_RATE_LIMIT } from '../contenders/ll.js';
import { payload } from '../contenders/ws-common.js';
import { connectRaw, isolated, readLoads, shuffled, startServer } from '../lib/harness.js';
import type { FanoutResult } from '../lib/server-role.js';
import { sleep, waitUntil } from '../lib/time.js';
import type { Scenario } from './types.js';

const CLIENT_BOUND_PCT = 85;

const CASES = [
  { key: 'c1', label: '1 conn, 1 in flight', conns: 1, inflight: 1 },
  { key: 'c32', label: '1 conn, 32 in flight', conns: 1, inflight: 32 },
  { key: 'n100', label: '100 conns, 1 in flight each', conns: 100, inflight: 1 },
] as const;

export const s3: Scenario = {
  id: 'S3',
  title: 'Round trips: 64-byte request and reply (SIO: emit with ack)',
  async run(ctx, out) {
    const { s3WarmMs, s3WindowMs, trials } = ctx.sizes;
    for (const c of CASES) {
      out.def(
        { key: `${c.key}.cpu`, label: `${c.key} server CPU / round trip`, unit: 'µs', better: 'lower', chart: c.key !== 'n100' },
        { key: `${c.key}.rps`, label: `${c.key} round trips / s`, unit: '/s', better: 'higher' },
        { key: `${c.key}.p50`, label: `${c.key} p50`, unit: 'µs', better: 'lower' },
        { key: `${c.key}.p99`, label: `${c.key} p99`, unit: 'µs', better: 'lower' },
        { key: `${c.key}.load`, label: `${c.key} load CPU`, unit: '%', better: 'lower', noRatio: true },
      );
    }
    const notes: string[] = [];
    for (let t = 0; t < trials; t++) {
      for (const id of shuffled(ctx.ids)) {
        await isolated(ctx, notes, `S3 ${id} trial ${t + 1}`, async (s) => {
          const [server, load] = await Promise.all([s.server(`S3 ${id} server`), s.load(`S3 ${id} load`)]);
          const port = await startServer(server, id, { heartbeat: 'default', port: 0, bulkInbound: true });
          await connectRaw([load], id, port, 100, 25);
          for (const c of CASES) {
            const used = await load.call<number>('rpcStart', { conns: c.conns, inflight: c.inflight, bodyBytes: 64 });
            if (used < c.conns) notes.push(`${id} ${c.key}: only ${used} connections`);
            await sleep(s3WarmMs);
            await load.call('mark');
            const c0 = await server.call<number>('cpu');
            await sleep(s3WindowMs);
            const c1 = await server.call<number>('cpu');
            const r = await readLoads([load]);
            await load.call('rpcStop');
            if (r.count === 0) {
              notes.push(`${id} ${c.key} trial ${t + 1}: no round trips completed`);
              continue;
            }
            const loadPct = (r.cpuUs / r.wallMs / 1000) * 100;
            out.add(`${c.key}.cpu`, id, (c1 - c0) / r.count);
            out.add(`${c.key}.rps`, id, (r.count / r.wallMs) * 1000, loadPct > CLIENT_BOUND_PCT);
            out.add(`${c.key}.p50`, id, r.hist.quantile(0.5));
            out.add(`${c.key}.p99`, id, r.hist.quantile(0.99));
            out.add(`${c.key}.load`, id, loadPct);
          }
          ctx.log(`S3 ${id} t${t + 1} done`);
        });
      }
    }
    notes.push(
      `Closed loop: each reply triggers the next request (peak throughput at a fixed in-flight count); latency runs from each request's send time. Warm-up ${s3WarmMs} ms, window ${s3WindowMs} ms. Throughput marked "≥" was taken with the load core above ${CLIENT_BOUND_PCT}% busy (client-bound): judge by server CPU per round trip.`,
    );
    if (ctx.ids.includes('LL')) {
      notes.push(
        `Non-default: the LL server runs with rateLimit {perSecond: ${BULK_RATE_LIMIT.perSecond}, burst: ${BULK_RATE_LIMIT.burst}} here (its default, 50 msg/s with a burst of 1,200 per session, would close the load connection with 4029). LL requests are \`msg\` frames without an idempotency key and the server's cumulative \`ack\` (one per read batch) is the reply, so at 32 in flight one ack can answer several requests.`,
      );
    }
    return { params: { warmMs: s3WarmMs, windowMs: s3WindowMs, payloadBytes: 64 }, notes };
  },
};

export const s4: Scenario = {
  id: 'S4',
  title: 'Fan-out: 100-byte messages to every connection (LL: a broadcast, and a channel publication)',
  async run(ctx, out) {
    const { s4Subs, s4Rate, s4WindowMs, connectConcurrency, trials } = ctx.sizes;
    for (const n of s4Subs) {
      out.def(
        { key: `${n}.cpu`, label: `${n} subs: server CPU / delivery`, unit: 'µs', better: 'lower', chart: true },
        { key: `${n}.cap`, label: `${n} subs: deliveries / s per server core (derived)`, unit: '/s', better: 'higher' },
        { key: `${n}.rate`, label: `${n} subs: deliveries / s achieved`, unit: '/s', better: 'higher', noRatio: true },
        { key: `${n}.load`, label: `${n} subs: load CPU`, unit: '%', better: 'lower', noRatio: true },
      );
      if (ctx.ids.includes('LL')) {
        out.def({ key: `${n}.ch`, label: `${n} subs: server CPU / delivery, LL channel publication (R: its send per client)`, unit: 'µs', better: 'lower' });
      }
    }
    const notes: string[] = [];
    const body = payload('b', 100);
    // LL runs twice: its broadcast (a numbered message per session) and a channel publication (framed once).
    const runs: Array<{ id: (typeof ctx.ids)[number]; channel: boolean }> = ctx.ids.map((id) => ({ id, channel: false }));
    if (ctx.ids.includes('LL')) runs.push({ id: 'LL', channel: true });
    for (let t = 0; t < trials; t++) {
      for (const { id, channel } of shuffled(runs)) {
        const name = channel ? `${id} channel` : id;
        await isolated(ctx, notes, `S4 ${name} trial ${t + 1}`, async (s) => {
          const [server, loads] = await Promise.all([s.server(`S4 ${name} server`), s.loads(`S4 ${name}`)]);
          const port = await startServer(server, id, { heartbeat: 'default', port: 0, ...(channel ? { channelFanout: true } : {}) });
          let have = 0;
          for (const n of s4Subs) {
            const r = await connectRaw(loads, id, port, n - have, connectConcurrency, channel ? 'channel' : undefined);
            have += r.connected;
            await sleep(300);
            await Promise.all(loads.map((l) => l.call('mark')));
            const c0 = await server.call<number>('cpu');
            const f = await server.call<FanoutResult>('fanout', { key: 'main', rate: s4Rate, durationMs: s4WindowMs, payload: body }, s4WindowMs + 30_000);
            const drained = await waitUntil(async () => (await readLoads(loads)).deliveries >= f.deliveries, 15_000, 50);
            const c1 = await server.call<number>('cpu');
            const r2 = await readLoads(loads);
            if (!drained) notes.push(`${name} ${n} subs trial ${t + 1}: ${r2.deliveries}/${f.deliveries} delivered within 15 s`);
            if (f.deliveries === 0) continue;
            const cpu = (c1 - c0) / f.deliveries;
            if (channel) {
              out.add(`${n}.ch`, id, cpu);
              continue;
            }
            out.add(`${n}.cpu`, id, cpu);
            if (id === 'R' && ctx.ids.includes('LL')) out.add(`${n}.ch`, id, cpu);
            out.add(`${n}.cap`, id, 1e6 / cpu);
            out.add(`${n}.rate`, id, (r2.deliveries / r2.wallMs) * 1000, f.rounds < f.scheduledRounds * 0.95);
            out.add(`${n}.load`, id, (r2.cpuUs / r2.wallMs / 1000) * 100);
          }
          ctx.log(`S4 ${name} t${t + 1} done`);
        });
      }
    }
    notes.push(
      `Open loop: the server broadcasts on a 1 ms timer at ${s4Rate} deliveries/s for ${s4WindowMs} ms; CPU is measured until every delivery reached the clients. "per server core" = 1 s ÷ CPU per delivery. "achieved" includes the drain time; "≥" marks a server that fell behind the schedule.`,
    );
    if (ctx.ids.includes('LL')) {
      notes.push(
        'Channel row: every LL load connection subscribes to one channel and the server calls `publish()` on the same schedule (default history: 1,000 publications, 1 MiB, 5 min); a publication is framed once and the same string goes to every subscriber, with no per-session sequence number or replay buffer. R\'s value in that row is its ordinary fan-out (one send per client), the same run\'s reference.',
      );
    }
    return { params: { subscribers: s4Subs, rate: s4Rate, windowMs: s4WindowMs, payloadBytes: 100 }, notes };
  },
};
