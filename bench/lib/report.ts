// Writes bench/results/latest.json and latest.md: per scenario, each metric per contender as
// median (min-max) and its ratio to R from the same run.

import { writeFileSync } from 'node:fs';
import type { ContenderId } from '../contenders/types.js';
import type { Metric, ScenarioResult } from '../scenarios/types.js';
import type { MachineInfo } from './env.js';
import { SPREAD_FLAG_PCT, type Summary } from './stats.js';

export interface Report {
  machine: MachineInfo;
  mode: 'quick' | 'full';
  trials: number;
  durationS: number;
  contenders: Array<{ id: ContenderId; available: boolean; description: string; defaultHeartbeat: string; reason?: string }>;
  scenarios: ScenarioResult[];
  ok: boolean;
  problems: string[];
}

export function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (unit === 'B') return abs >= 10_240 ? `${(v / 1024).toFixed(1)} KiB` : `${Math.round(v)} B`;
  if (unit === 'µs') return abs >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : abs >= 100 ? `${Math.round(v)} µs` : `${v.toFixed(1)} µs`;
  if (unit === 'ms') return abs >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  if (unit === '/s') return abs >= 10_000 ? `${(v / 1000).toFixed(1)}k/s` : `${Math.round(v)}/s`;
  if (unit === '%') return `${v.toFixed(1)}%`;
  const s = Number.isInteger(v) || abs >= 100 ? String(Math.round(v)) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

/** value / R, or null when undefined (R missing, zero, or the metric opts out). */
export function ratio(m: Metric, id: ContenderId): number | null {
  const r = m.values.R;
  const v = m.values[id];
  if (m.noRatio || !r || !v || r.median === 0 || !Number.isFinite(r.median)) return null;
  return v.median / r.median;
}

function cell(m: Metric, id: ContenderId, available: boolean): string {
  if (!available) return 'n/a';
  const s: Summary | null | undefined = m.values[id];
  if (!s) return '—';
  const ge = s.censored ? (m.better === 'lower' ? '> ' : '≥ ') : '';
  let text = `${ge}${fmt(s.median, m.unit)}`;
  if (s.n > 1 && s.min !== s.max) text += ` (${fmt(s.min, m.unit)}–${fmt(s.max, m.unit)})`;
  if (s.n > 1 && s.spreadPct > SPREAD_FLAG_PCT) text += ' ⚠';
  const r = id === 'R' ? null : ratio(m, id);
  if (r !== null) text += ` **×${r >= 10 ? r.toFixed(0) : r.toFixed(2)}**`;
  return text;
}

export function markdown(rep: Report, chartFile: string | null): string {
  const m = rep.machine;
  const lines: string[] = [];
  lines.push(`# Lifeline benchmark (${rep.mode}${rep.mode === 'quick' ? ': small sizes, smoke test only' : ''})`);
  lines.push('');
  lines.push(`- Date: ${m.date}; run took ${Math.round(rep.durationS)} s; ${rep.trials} trial(s) for S1-S4, interleaved in shuffled order`);
  lines.push(`- Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.kernel}, Node ${m.node}, fd limit ${m.fdLimit}`);
  lines.push(`- Placement: ${m.pinning}`);
  const busy = Math.max(m.loadAvg.start, m.loadAvg.end);
  lines.push(
    `- Load average (1 min) at start / end: ${m.loadAvg.start.toFixed(2)} / ${m.loadAvg.end.toFixed(2)}${busy > 0.5 ? ' — **the box was busy with other work: absolute numbers are skewed, ratios less so; rerun on a quiet box before quoting**' : ''}`,
  );
  lines.push(`- Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('- Cells: median (min–max over trials, or over clients in S5-S8) and **×ratio to R from this run**; ⚠ = spread above 10%; "≥"/">" = a bound (client-bound or not reached within the cap); n/a = contender not available.');
  lines.push('');
  lines.push('| Contender | Description | Default heartbeat |');
  lines.push('| --- | --- | --- |');
  for (const c of rep.contenders) lines.push(`| ${c.id} | ${c.available ? c.description : `n/a: ${c.reason ?? ''}`} | ${c.defaultHeartbeat} |`);
  lines.push('');
  if (chartFile) {
    lines.push(`![Cost relative to R (lower is better)](${chartFile})`);
    lines.push('');
    lines.push('Chart: one bar per contender for each charted metric, as cost relative to R (throughput metrics inverted), so 1.0 = R and shorter is better. Colours: R grey, SIO orange, RWS blue, LS green, LL purple.');
    lines.push('');
  }
  if (!rep.ok) {
    lines.push('**Problems:**');
    for (const p of rep.problems) lines.push(`- ${p}`);
    lines.push('');
  }
  const ids = rep.contenders.map((c) => c.id);
  const avail = new Map(rep.contenders.map((c) => [c.id, c.available] as const));
  for (const s of rep.scenarios) {
    lines.push(`## ${s.id}. ${s.title}`);
    lines.push('');
    if (s.error) lines.push(`**Error:** ${s.error}`, '');
    lines.push(`| Metric | ${ids.join(' | ')} |`);
    lines.push(`| --- | ${ids.map(() => '---').join(' | ')} |`);
    for (const metric of s.metrics) {
      const arrow = metric.better === 'lower' ? '↓' : '↑';
      lines.push(`| ${metric.label} ${arrow} | ${ids.map((id) => cell(metric, id, avail.get(id) ?? false)).join(' | ')} |`);
    }
    lines.push('');
    for (const n of s.notes) lines.push(`- ${n}`);
    lines.push(`- Parameters: \`${JSON.stringify(s.params)}\`; took ${Math.round(s.durationS)} s.`);
    lines.push('');
  }
  return lines.join('\n');
}

export function writeReport(rep: Report, jsonPath: string, mdPath: string, chartFile: string | null): void {
  writeFileSync(jsonPath, JSON.stringify(rep, null, 1) + '\n');
  writeFileSync(mdPath, markdown(rep, chartFile) + '\n');
}
