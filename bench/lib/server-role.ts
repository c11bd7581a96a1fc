// Server child: hosts one or more contender servers and reports CPU, memory, freed connections,
// received messages (S8) and runs open-loop fan-out (S4) on request.

import { contender } from '../contenders/index.js';
import type { ServerConfig, ServerHandle } from '../contenders/types.js';
import type { Handler } from './ipc.js';
import { cpuUs, nowMs, sleep } from './time.js';
import { memorySnapshot } from './memory.js';

/** What the S8 sink saw: sequence numbers parsed from `m<seq>:...`. */
export interface SinkStats {
  received: number;
  unique: number;
  duplicates: number;
  reordered: number;
  firstMs: number;
  lastMs: number;
  seqs: number[];
}

class Sink {
  private readonly counts = new Map<number, number>();
  private maxSeq = -1;
  received = 0;
  duplicates = 0;
  reordered = 0;
  firstMs = Number.NaN;
  lastMs = Number.NaN;

  add(text: string): void {
    const seq = Number.parseInt(text.slice(1), 10);
    if (!Number.isFinite(seq)) return;
    const t = nowMs();
    if (this.received === 0) this.firstMs = t;
    this.lastMs = t;
    this.received++;
    const c = this.counts.get(seq) ?? 0;
    if (c > 0) this.duplicates++;
    this.counts.set(seq, c + 1);
    if (seq < this.maxSeq) this.reordered++;
    else this.maxSeq = seq;
  }

  stats(): SinkStats {
    return {
      received: this.received,
      unique: this.counts.size,
      duplicates: this.duplicates,
      reordered: this.reordered,
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      seqs: [...this.counts.keys()],
    };
  }
}

interface Hosted {
  handle: ServerHandle;
  freed: number[];
  sink: Sink;
}

export interface FanoutArgs {
  key: string;
  /** Target deliveries per second (open loop). */
  rate: number;
  durationMs: number;
  payload: string;
}
export interface FanoutResult {
  rounds: number;
  scheduledRounds: number;
  deliveries: number;
  wallMs: number;
}

export function serverHandlers(): Record<string, Handler> {
  const hosted = new Map<string, Hosted>();
  const get = (key: string): Hosted => {
    const h = hosted.get(key);
    if (!h) throw new Error(`no server ${key}`);
    return h;
  };
  return {
    async start(args) {
      const { key, id, config } = args as { key: string; id: string; config: ServerConfig };
      const c = contender(id);
      const probe = await c.probe();
      if (!probe.available) throw new Error(`${id} unavailable: ${probe.reason}`);
      const freed: number[] = [];
      const sink = new Sink();
      const handle = await c.startServer(config, { onMessage: (t) => sink.add(t), onFreed: () => freed.push(nowMs()) });
      hosted.set(key, { handle, freed, sink });
      return { port: handle.port, listeningAt: nowMs() };
    },
    cpu: () => cpuUs(),
    mem(args) {
      const m = memorySnapshot(args);
      return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    },
    conns: (args) => get((args as { key: string }).key).handle.connections(),
    freed: (args) => get((args as { key: string }).key).freed.slice(),
    sink: (args) => get((args as { key: string }).key).sink.stats(),
    async fanout(args): Promise<FanoutResult> {
      const { key, rate, durationMs, payload } = args as FanoutArgs;
      const { handle } = get(key);
      const n = Math.max(1, handle.connections());
      const roundsPerMs = rate / n / 1000;
      const start = nowMs();
      let rounds = 0;
      let deliveries = 0;
      // Timer-paced, a batch of due rounds per tick, never a spin (§10.1 rule 4).
      for (;;) {
        const elapsed = nowMs() - start;
        if (elapsed >= durationMs) break;
        const due = Math.floor(elapsed * roundsPerMs) + 1 - rounds;
        for (let i = 0; i < Math.min(due, 50); i++) {
          deliveries += handle.broadcast(payload);
          rounds++;
        }
        await sleep(1);
      }
      return { rounds, scheduledRounds: Math.floor(durationMs * roundsPerMs) + 1, deliveries, wallMs: nowMs() - start };
    },
    async stop(args) {
      const { key } = args as { key: string };
      const h = hosted.get(key);
      hosted.delete(key);
      await h?.handle.close();
      return true;
    },
  };
}
