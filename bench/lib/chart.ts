// The README chart: for each charted metric, one horizontal bar per contender showing its cost
// relative to R from the same run (throughput inverted), so 1.0 = R and shorter is better.

import { writeFileSync } from 'node:fs';
import type { ContenderId } from '../contenders/types.js';
import { Canvas, type Rgb } from './png.js';
import { ratio, type Report } from './report.js';

export const COLORS: Record<ContenderId, Rgb> = {
  R: [150, 150, 150],
  SIO: [230, 140, 30],
  RWS: [50, 110, 220],
  LS: [40, 170, 80],
  LL: [140, 80, 200],
};

const S = 2; // font scale
const LABEL_W = 36 * 6 * S;
const BAR_W = 520;
const MAX_RATIO = 4;
const BAR_H = 14;
const PAD = 16;

export function renderChart(rep: Report, file: string): void {
  const ids = rep.contenders.filter((c) => c.available).map((c) => c.id);
  const rows: Array<{ label: string; bars: Array<{ id: ContenderId; cost: number | null; bound: boolean }> }> = [];
  for (const s of rep.scenarios) {
    for (const m of s.metrics) {
      if (!m.chart) continue;
      const bars = ids.map((id) => {
        const r = id === 'R' ? (m.values.R ? 1 : null) : ratio(m, id);
        const cost = r === null ? null : m.better === 'lower' ? r : r === 0 ? null : 1 / r;
        return { id, cost, bound: m.values[id]?.censored === true };
      });
      rows.push({ label: `${s.id} ${m.label}`.slice(0, 34), bars });
    }
  }
  const groupH = ids.length * (BAR_H + 3) + 10;
  const legendH = 40;
  const width = PAD + LABEL_W + BAR_W + 110;
  const height = PAD * 2 + legendH + rows.length * groupH + 20;
  const c = new Canvas(width, height);
  const ink: Rgb = [30, 30, 30];
  // Legend.
  let lx = PAD;
  c.text(lx, PAD, 'COST VS R (1.0 = R, SHORTER IS BETTER)', ink, S);
  lx = PAD;
  for (const id of ids) {
    c.rect(lx, PAD + 20, 14, 14, COLORS[id]);
    lx += 20 + c.text(lx + 20, PAD + 20, id, ink, S) + 12;
  }
  const x0 = PAD + LABEL_W;
  const scale = BAR_W / MAX_RATIO;
  const top = PAD + legendH;
  // Grid lines at 0.5 steps, the 1.0 line darker.
  for (let v = 0; v <= MAX_RATIO; v += 0.5) {
    c.rect(x0 + v * scale, top, 1, rows.length * groupH, v === 1 ? [60, 60, 60] : [225, 225, 225]);
  }
  rows.forEach((row, i) => {
    const y = top + i * groupH;
    c.text(PAD, y + 4, row.label, ink, S);
    row.bars.forEach((b, j) => {
      const by = y + 4 + j * (BAR_H + 3);
      if (b.cost === null) {
        c.text(x0 + 4, by, 'N/A', [160, 160, 160], S);
        return;
      }
      const w = Math.max(2, Math.min(MAX_RATIO, b.cost) * scale);
      c.rect(x0, by, w, BAR_H, COLORS[b.id]);
      const label = `${b.bound ? '>' : ''}${b.cost >= 10 ? b.cost.toFixed(0) : b.cost.toFixed(2)}${b.cost > MAX_RATIO ? '+' : ''}`;
      c.text(x0 + w + 4, by, label, ink, S);
    });
  });
  c.text(x0 - 6, top + rows.length * groupH + 4, '0', ink, S);
  c.text(x0 + scale - 6, top + rows.length * groupH + 4, '1', ink, S);
  c.text(x0 + MAX_RATIO * scale - 6, top + rows.length * groupH + 4, String(MAX_RATIO), ink, S);
  writeFileSync(file, c.png());
}
