// Benchmark orchestrator: `npm run bench -- [--quick] [--only=S1,S3] [--trials=N] [--contenders=R,SIO]`.
// Runs every scenario for every available contender on this machine, in one run, and writes
// bench/results/latest.{json,md} and ratios.png. Exits non-zero when an available contender got
// no numbers in some scenario (what .ci/run checks), or on any scenario error.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENDERS } from './contenders/index.js';
import type { ContenderId } from './contenders/types.js';
import { FULL, QUICK, parseArgs } from './lib/args.js';
import { BENCH_DIR, buildBundles } from './lib/build.js';
import { machineInfo } from './lib/env.js';
import { nstat, nstatDelta, sockstat } from './lib/kernel.js';
import { renderChart } from './lib/chart.js';
import { killAll, pinning } from './lib/procs.js';
import { writeReport, type Report } from './lib/report.js';
import { nowMs } from './lib/time.js';
import { s1, s2 } from './scenarios/s1-s2-idle.js';
import { s3, s4 } from './scenarios/s3-s4-traffic.js';
import { s5 } from './scenarios/s5-restoration.js';
import { s6 } from './scenarios/s6-halfopen.js';
import { s7 } from './scenarios/s7-storm.js';
import { s8 } from './scenarios/s8-buffering.js';
import { MetricSet, type Ctx, type ScenarioResult } from './scenarios/types.js';

const SCENARIOS = [s1, s2, s3, s4, s5, s6, s7, s8];
const RESULTS_DIR = join(BENCH_DIR, 'results');

function onFatal(sig: string): void {
  console.error(`\nbench: ${sig}, killing children`);
  killAll();
  process.exit(sig === 'SIGINT' ? 130 : 1);
}
process.on('SIGINT', () => onFatal('SIGINT'));
process.on('SIGTERM', () => onFatal('SIGTERM'));
process.on('uncaughtException', (e) => {
  console.error(e);
  onFatal('uncaught exception');
});

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = nowMs();
  const sizes = { ...(args.quick ? QUICK : FULL) };
  if (args.trials !== null) sizes.trials = args.trials;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const log = (msg: string): void => console.log(`[${((nowMs() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
  log(`mode ${args.quick ? 'quick' : 'full'}; ${pinning.note}`);

  const { childEntry, optional } = await buildBundles();
  log(`bundles: ${Object.entries(optional).map(([k, v]) => `${k}=${v}`).join(', ')}`);

  const contenders: Report['contenders'] = [];
  for (const c of CONTENDERS) {
    const wanted = !args.contenders || args.contenders.includes(c.id);
    const p = wanted ? await c.probe().catch((e: unknown) => ({ available: false as const, reason: String(e) })) : { available: false as const, reason: 'excluded by --contenders' };
    contenders.push({ id: c.id, available: p.available, description: c.description, defaultHeartbeat: c.defaultHeartbeat, ...(p.available ? {} : { reason: p.reason }) });
  }
  const ids: ContenderId[] = contenders.filter((c) => c.available).map((c) => c.id);
  log(`contenders: ${contenders.map((c) => `${c.id}${c.available ? '' : ' (n/a)'}`).join(', ')}`);

  const ctx: Ctx = { quick: args.quick, sizes, ids, entry: childEntry, log };
  const results: ScenarioResult[] = [];
  const problems: string[] = [];
  for (const sc of SCENARIOS) {
    if (args.only && !args.only.includes(sc.id)) continue;
    log(`${sc.id}: ${sc.title}`);
    const t0 = nowMs();
    const k0 = nstat();
    const out = new MetricSet();
    let res: ScenarioResult;
    try {
      const r = await sc.run(ctx, out);
      res = { id: sc.id, title: sc.title, params: r.params, notes: r.notes, extra: { ...(r.extra ?? {}) }, metrics: out.build(ids), durationS: 0 };
    } catch (e) {
      killAll();
      const msg = e instanceof Error ? e.message : String(e);
      log(`${sc.id} FAILED: ${msg}`);
      res = { id: sc.id, title: sc.title, params: {}, notes: [], extra: {}, metrics: out.build(ids), error: msg.slice(0, 2000), durationS: 0 };
      problems.push(`${sc.id} failed: ${msg.split('\n')[0] ?? ''}`);
    }
    res.extra.nstat = nstatDelta(k0, nstat());
    res.extra.sockstatAfter = sockstat();
    res.durationS = (nowMs() - t0) / 1000;
    for (const id of ids) {
      const hasNumbers = res.metrics.some((m) => m.values[id]);
      if (!hasNumbers) problems.push(`${sc.id}: no numbers for ${id}`);
    }
    results.push(res);
    log(`${sc.id} done in ${res.durationS.toFixed(1)} s`);
  }

  const report: Report = {
    machine: machineInfo(),
    mode: args.quick ? 'quick' : 'full',
    trials: sizes.trials,
    durationS: (nowMs() - started) / 1000,
    contenders,
    scenarios: results,
    ok: problems.length === 0,
    problems,
  };
  // Only a complete full run replaces the committed results; quick and partial runs go to tmp/.
  const partial = args.quick || args.only !== null || args.contenders !== null;
  const dir = partial ? join(RESULTS_DIR, 'tmp') : RESULTS_DIR;
  const base = partial ? (args.quick ? 'quick' : 'partial') : 'latest';
  mkdirSync(dir, { recursive: true });
  let chart: string | null = partial ? `${base}-ratios.png` : 'ratios.png';
  try {
    renderChart(report, join(dir, chart));
  } catch (e) {
    log(`chart failed: ${String(e)}`);
    chart = null;
  }
  writeReport(report, join(dir, `${base}.json`), join(dir, `${base}.md`), chart);
  const rel = partial ? `bench/results/tmp/${base}` : 'bench/results/latest';
  log(`wrote ${rel}.{json,md}${chart ? ` and ${chart}` : ''} (${report.ok ? 'ok' : `${problems.length} problem(s)`})`);
  for (const p of problems) console.error(`  problem: ${p}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (e: unknown) => {
    console.error(e);
    killAll();
    process.exit(1);
  },
);
