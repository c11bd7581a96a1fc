// The contender registry, in report order; ratios are taken against R.

import r from './r.js';
import sio from './sio.js';
import rws from './rws.js';
import ls from './ls.js';
import ll from './ll.js';
import type { Contender, ContenderId } from './types.js';

export const CONTENDERS: readonly Contender[] = [r, sio, rws, ls, ll];

export function contender(id: string): Contender {
  const c = CONTENDERS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown contender ${id}`);
  return c;
}

export const isContenderId = (s: string): s is ContenderId => CONTENDERS.some((c) => c.id === s);
