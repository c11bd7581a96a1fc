// Command-line flags and the per-mode sizes of every scenario.

import type { Heartbeat } from '../contenders/types.js';

export interface Sizes {
  trials: number;
  /** Raw load processes for S1, S2 and S4 (the fd limit needs 2 for 10k). */
  loadProcs: number;
  /** Fleet processes for S7. */
  s7Fleets: number;
  s1Conns: number;
  s1SettleMs: number;
  connectConcurrency: number;
  s2Conns: number;
  s2Heartbeat: Heartbeat;
  s2WindowMs: number;
  s3WarmMs: number;
  s3WindowMs: number;
  s4Subs: number[];
  s4Rate: number;
  s4WindowMs: number;
  s5Clients: number;
  s5SpansS: number[];
  s5DeadlineMs: number;
  s6Clients: number;
  s6Equal: Heartbeat;
  s6CapMs: number;
  s6Defaults: boolean;
  s7Clients: number;
  s7CapMs: number;
  s8Messages: number;
  s8OutageMs: number;
  s8DeadlineMs: number;
}

export const FULL: Sizes = {
  trials: 3,
  loadProcs: 2,
  s7Fleets: 2,
  s1Conns: 10_000,
  s1SettleMs: 1_000,
  connectConcurrency: 25, // per load process; two processes = 50 in flight (§10.2 S1 note)
  s2Conns: 5_000,
  s2Heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 },
  s2WindowMs: 4_000,
  s3WarmMs: 500,
  s3WindowMs: 1_500,
  s4Subs: [1_000, 10_000],
  s4Rate: 50_000,
  s4WindowMs: 2_000,
  s5Clients: 200,
  s5SpansS: [1, 10, 60],
  s5DeadlineMs: 30_000,
  s6Clients: 20,
  s6Equal: { intervalMs: 5_000, timeoutMs: 5_000 },
  s6CapMs: 65_000,
  s6Defaults: true,
  s7Clients: 10_000,
  s7CapMs: 30_000,
  s8Messages: 10_000,
  s8OutageMs: 10_000,
  s8DeadlineMs: 20_000,
};

export const QUICK: Sizes = {
  trials: 1,
  loadProcs: 1,
  s7Fleets: 1,
  s1Conns: 300,
  s1SettleMs: 200,
  connectConcurrency: 25,
  s2Conns: 300,
  s2Heartbeat: { intervalMs: 300, timeoutMs: 300 },
  s2WindowMs: 1_000,
  s3WarmMs: 200,
  s3WindowMs: 400,
  s4Subs: [100, 300],
  s4Rate: 20_000,
  s4WindowMs: 400,
  s5Clients: 20,
  s5SpansS: [1],
  s5DeadlineMs: 10_000,
  s6Clients: 5,
  s6Equal: { intervalMs: 1_000, timeoutMs: 1_000 },
  s6CapMs: 5_000,
  s6Defaults: false,
  s7Clients: 300,
  s7CapMs: 12_000,
  s8Messages: 2_000,
  s8OutageMs: 2_000,
  s8DeadlineMs: 12_000,
};

export interface Args {
  quick: boolean;
  only: string[] | null;
  trials: number | null;
  contenders: string[] | null;
}

export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { quick: false, only: null, trials: null, contenders: null };
  for (const arg of argv) {
    if (arg === '--quick') a.quick = true;
    else if (arg.startsWith('--only=')) a.only = arg.slice(7).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (arg.startsWith('--trials=')) {
      const n = Number(arg.slice(9));
      if (!Number.isInteger(n) || n < 1 || n > 20) throw new RangeError(`--trials must be an integer 1-20, got ${arg.slice(9)}`);
      a.trials = n;
    } else if (arg.startsWith('--contenders=')) a.contenders = arg.slice(13).split(',').map((s) => s.trim().toUpperCase());
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run bench -- [--quick] [--only=S1,S3] [--trials=N] [--contenders=R,SIO]');
      process.exit(0);
    } else throw new TypeError(`unknown flag ${arg} (try --help)`);
  }
  return a;
}
