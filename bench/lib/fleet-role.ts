// Fleet child: full client library instances (S5-S8), with per-client attempt, down and
// first-successful-round-trip bookkeeping, and an S8 sender.

import { contender } from '../contenders/index.js';
import type { HeartbeatSetting, LibClient } from '../contenders/types.js';
import { payload } from '../contenders/ws-common.js';
import type { Handler } from './ipc.js';
import { nowMs, sleep } from './time.js';
import { memorySnapshot } from './memory.js';

interface ClientState {
  client: LibClient | null;
  attempts: number;
  /** Times of attempts after the mark (bounded). */
  attemptTimes: number[];
  attemptsAtMark: number;
  opensAtMark: number;
  opens: number;
  /** First time the library reported the link down after the mark. */
  downAt: number;
  /** First successful round trip after a probe started. */
  okAt: number;
  openWaiters: Array<() => void>;
}

interface Group {
  clients: ClientState[];
  markMs: number;
}

export interface CreateArgs {
  group: string;
  id: string;
  url: string;
  n: number;
  heartbeat: HeartbeatSetting;
  /** Clients created per 10 ms tick (paced connects). */
  perTick: number;
  /** S8: size bounded outboxes for a bulk queue (see ClientOptions.bulkOutbox). */
  bulkOutbox?: boolean;
}

export interface ProbeResult {
  n: number;
  done: number;
  /** ms from `fromMs` to the first successful round trip, per recovered client. */
  times: number[];
  attemptsDuringOutage: number[];
  attemptsAfterMark: number;
  opensAfterMark: number;
}

const PROBE_TIMEOUT_MS = 1_000;

export function fleetHandlers(): Record<string, Handler> {
  const groups = new Map<string, Group>();
  const get = (g: string): Group => {
    const x = groups.get(g);
    if (!x) throw new Error(`no group ${g}`);
    return x;
  };
  const body = payload('q', 64);

  const waitOpen = (st: ClientState, deadline: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, deadline - nowMs()));
      st.openWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });

  const probe = async (st: ClientState, deadline: number): Promise<void> => {
    while (nowMs() < deadline && st.client) {
      if (!st.client.isOpen()) {
        await waitOpen(st, deadline);
        continue;
      }
      const ok = await st.client.request(body, PROBE_TIMEOUT_MS);
      if (ok) {
        st.okAt = nowMs();
        return;
      }
      await sleep(5);
    }
  };

  return {
    async create(args) {
      const { group, id, url, n, heartbeat, perTick, bulkOutbox } = args as CreateArgs;
      const c = contender(id);
      const p = await c.probe();
      if (!p.available) throw new Error(`${id} unavailable: ${p.reason}`);
      const g: Group = { clients: [], markMs: nowMs() };
      groups.set(group, g);
      for (let i = 0; i < n; i++) {
        const st: ClientState = {
          client: null,
          attempts: 0,
          attemptsAtMark: 0,
          opensAtMark: 0,
          opens: 0,
          downAt: Number.NaN,
          okAt: Number.NaN,
          attemptTimes: [],
          openWaiters: [],
        };
        st.client = c.createClient({
          url,
          heartbeat,
          ...(bulkOutbox ? { bulkOutbox } : {}),
          onAttempt: () => {
            st.attempts++;
            if (st.attemptTimes.length < 10_000) st.attemptTimes.push(nowMs());
          },
          onOpen: () => {
            st.opens++;
            for (const w of st.openWaiters.splice(0)) w();
          },
          onDown: () => {
            if (Number.isNaN(st.downAt)) st.downAt = nowMs();
          },
        });
        g.clients.push(st);
        if ((i + 1) % perTick === 0) await sleep(10);
      }
      return g.clients.length;
    },
    open: (args) => get((args as { group: string }).group).clients.filter((s) => s.client?.isOpen()).length,
    mark(args) {
      const g = get((args as { group: string }).group);
      g.markMs = nowMs();
      for (const s of g.clients) {
        s.attemptsAtMark = s.attempts;
        s.opensAtMark = s.opens;
        s.downAt = Number.NaN;
        s.okAt = Number.NaN;
        s.attemptTimes.length = 0;
      }
      return g.markMs;
    },
    /**
     * Start probing every client for its first successful round trip; returns at once. Called
     * during the outage, so the success is stamped here, with no IPC delay in the measurement.
     */
    probe(args) {
      const { group, deadlineMs } = args as { group: string; deadlineMs: number };
      const g = get(group);
      const deadline = nowMs() + deadlineMs;
      for (const s of g.clients) {
        s.okAt = Number.NaN;
        void probe(s, deadline);
      }
      return true;
    },
    probeStatus(args): ProbeResult {
      const { group, fromMs } = args as { group: string; fromMs: number };
      const g = get(group);
      const times = g.clients.filter((s) => !Number.isNaN(s.okAt)).map((s) => Math.max(0, s.okAt - fromMs));
      return {
        n: g.clients.length,
        done: times.length,
        times,
        attemptsDuringOutage: g.clients.map((s) => s.attemptTimes.filter((t) => t <= fromMs).length),
        attemptsAfterMark: g.clients.reduce((a, s) => a + s.attempts - s.attemptsAtMark, 0),
        opensAfterMark: g.clients.reduce((a, s) => a + s.opens - s.opensAtMark, 0),
      };
    },
    downs(args) {
      const g = get((args as { group: string }).group);
      return g.clients.map((s) => s.downAt);
    },
    /** S8: the first client of the group sends `count` messages `m<seq>:` of `size` bytes over `durationMs`. */
    async sendSeq(args) {
      const { group, count, durationMs, size } = args as { group: string; count: number; durationMs: number; size: number };
      const st = get(group).clients[0];
      if (!st?.client) throw new Error('no client');
      const start = nowMs();
      let sent = 0;
      let refused = 0;
      while (sent < count) {
        const due = Math.min(count, Math.ceil(((nowMs() - start) / durationMs) * count));
        while (sent < due) {
          if (!st.client.send(payload(`m${sent}:`, size))) refused++;
          sent++;
        }
        if (sent < count) await sleep(5);
      }
      return { sent, refused, ms: nowMs() - start };
    },
    mem(args) {
      const m = memorySnapshot(args);
      return { rss: m.rss, heapUsed: m.heapUsed };
    },
    closeAll() {
      for (const g of groups.values()) for (const s of g.clients) s.client?.close();
      groups.clear();
      return true;
    },
  };
}
