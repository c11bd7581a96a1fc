// S8 buffering across an outage: one client per library sends N messages while its server is down;
// then the server returns. Lost, duplicated, reordered, bytes per queued message, flush rate.

import { BULK_RATE_LIMIT } from '../contenders/ll.js';
import { BULK_OUTBOX, type ContenderId } from '../contenders/types.js';
import { startServer, startServerAt, scoped, type Mem } from '../lib/harness.js';
import type { SinkStats } from '../lib/server-role.js';
import type { Child } from '../lib/procs.js';
import { nowMs, sleep, waitUntil } from '../lib/time.js';
import { single } from './timing.js';
import type { Scenario } from './types.js';

interface Setup {
  id: ContenderId;
  server: Child;
  port: number;
  fleet: Child;
}

const MESSAGE_BYTES = 100;

export const s8: Scenario = {
  id: 'S8',
  title: 'Buffering across an outage: messages sent while the server is down',
  async run(ctx, out) {
    const { s8Messages: count, s8OutageMs, s8DeadlineMs } = ctx.sizes;
    out.def(
      { key: 'lost', label: 'lost (silently)', unit: '', better: 'lower', noRatio: true },
      { key: 'refused', label: 'refused by the library (error at send)', unit: '', better: 'lower', noRatio: true },
      { key: 'dup', label: 'duplicated', unit: '', better: 'lower', noRatio: true },
      { key: 'reordered', label: 'reordered', unit: '', better: 'lower', noRatio: true },
      { key: 'bytes', label: 'client heap / queued message (100 B payload)', unit: 'B', better: 'lower', chart: true },
      { key: 'flush', label: 'flush rate after restoration', unit: '/s', better: 'higher' },
      { key: 'complete', label: 'time to last delivery after restoration', unit: 'ms', better: 'lower' },
    );
    const notes: string[] = [];
    await scoped(ctx, async (s) => {
      const setups: Setup[] = await Promise.all(
        ctx.ids.map(async (id) => {
          const [server, fleet] = await Promise.all([s.server(`S8 ${id} server`), s.fleet(`S8 ${id} fleet`)]);
          const port = await startServer(server, id, { heartbeat: 'default', port: 0, bulkInbound: true });
          await fleet.call('create', { group: 'g', id, url: `ws://127.0.0.1:${port}`, n: 1, heartbeat: 'default', perTick: 1, bulkOutbox: true });
          return { id, server, port, fleet };
        }),
      );
      await waitUntil(async () => (await Promise.all(setups.map((x) => x.fleet.call<number>('open', { group: 'g' })))).every((c) => c >= 1), 15_000, 100);
      await sleep(300);
      const mem0 = await Promise.all(setups.map((x) => x.fleet.call<Mem>('mem', { gc: true })));
      const tDown = nowMs();
      await Promise.all(setups.map((x) => x.server.kill()));
      // Send during the outage, leaving a margin so every message is sent before restoration.
      const sent = await Promise.all(setups.map((x) => x.fleet.call<{ sent: number; refused: number }>('sendSeq', { group: 'g', count, durationMs: s8OutageMs * 0.8, size: MESSAGE_BYTES }, s8OutageMs + 30_000)));
      const mem1 = await Promise.all(setups.map((x) => x.fleet.call<Mem>('mem', { gc: true })));
      await sleep(Math.max(0, s8OutageMs - (nowMs() - tDown)));
      const restoredAt = new Map<ContenderId, number>();
      await Promise.all(
        setups.map(async (x) => {
          x.server = await s.server(`S8 ${x.id} server (restarted)`);
          restoredAt.set(x.id, (await startServerAt(x.server, x.id, { heartbeat: 'default', port: x.port, bulkInbound: true })).listeningAt);
        }),
      );
      const sinks = async (): Promise<SinkStats[]> => Promise.all(setups.map((x) => x.server.call<SinkStats>('sink', { key: 'main' })));
      // Done when every library delivered all it accepted, or every one has flushed something and
      // nothing moved for 3 s (a message lost for good must not hold the run to the deadline).
      let lastTotal = -1;
      let lastChange = nowMs();
      await waitUntil(async () => {
        const k = await sinks();
        if (k.every((x, i) => x.unique >= (sent[i]?.sent ?? 0) - (sent[i]?.refused ?? 0))) return true;
        const total = k.reduce((a, x) => a + x.unique, 0);
        if (total !== lastTotal) [lastTotal, lastChange] = [total, nowMs()];
        return k.every((x) => x.unique > 0) && nowMs() - lastChange > 3_000;
      }, s8DeadlineMs, 200);
      await sleep(300); // late duplicates
      const final = await sinks();
      setups.forEach((x, i) => {
        const k = final[i];
        const snd = sent[i];
        const m0 = mem0[i];
        const m1 = mem1[i];
        if (!k || !snd || !m0 || !m1) return;
        const accepted = snd.sent - snd.refused;
        out.put('lost', x.id, single(accepted - k.unique));
        out.put('refused', x.id, single(snd.refused));
        out.put('dup', x.id, single(k.duplicates));
        out.put('reordered', x.id, single(k.reordered));
        if (accepted > 0) out.put('bytes', x.id, single((m1.heapUsed - m0.heapUsed) / accepted));
        const span = k.lastMs - k.firstMs;
        if (k.unique > 1 && span > 0) out.put('flush', x.id, single((k.unique / span) * 1000));
        const t = restoredAt.get(x.id);
        if (t !== undefined && k.received > 0) out.put('complete', x.id, single(k.lastMs - t));
      });
    });
    notes.push(
      `One client per library sends ${count} messages of ${MESSAGE_BYTES} B over ${(s8OutageMs * 0.8) / 1000} s, starting right after its server was SIGKILLed; the server returns after ${s8OutageMs / 1000} s on the same port. Messages written into the dying connection before the library noticed count as lost. Heap per message is the client process's heapUsed delta (after GC) ÷ messages accepted; it includes the payload string.`,
    );
    const bounded = ctx.ids.filter((id) => id === 'LS' || id === 'LL');
    if (bounded.length > 0) {
      notes.push(
        `Non-default: ${bounded.join(' and ')} client outbox {maxMessages: ${BULK_OUTBOX.maxMessages}, maxBytes: ${BULK_OUTBOX.maxBytes / 1024 / 1024} MiB} (default 1,000 messages / 1 MiB, which would refuse most of the ${count} messages), so this measures buffering, not refusal.${ctx.ids.includes('LL') ? ` The LL server runs with rateLimit {perSecond: ${BULK_RATE_LIMIT.perSecond}, burst: ${BULK_RATE_LIMIT.burst}} (the default, 50 msg/s with a burst of 1,200 per session, would close the flush of 10,000 with 4029).` : ''}`,
      );
    }
    return { params: { messages: count, outageMs: s8OutageMs, bytes: MESSAGE_BYTES }, notes };
  },
};
