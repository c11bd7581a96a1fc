// Kernel sanity counters: nstat listen/SYN/retransmit counters, sockstat and slab memory (§10.1 rule 8).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const NSTAT_KEYS = ['TcpExtListenOverflows', 'TcpExtListenDrops', 'TcpExtSyncookiesSent', 'TcpExtTCPTimeouts', 'TcpRetransSegs'] as const;
export type NstatKey = (typeof NSTAT_KEYS)[number];
export type Nstat = Record<NstatKey, number>;

/** Absolute counter values (nstat -a, without touching its history file); zeros when nstat is missing. */
export function nstat(): Nstat {
  const out: Nstat = { TcpExtListenOverflows: 0, TcpExtListenDrops: 0, TcpExtSyncookiesSent: 0, TcpExtTCPTimeouts: 0, TcpRetransSegs: 0 };
  const r = spawnSync('nstat', ['-asz'], { encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return out;
  for (const line of r.stdout.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && (NSTAT_KEYS as readonly string[]).includes(key)) out[key as NstatKey] = Number(value);
  }
  return out;
}

export function nstatDelta(before: Nstat, after: Nstat): Nstat {
  const d = { ...after };
  for (const k of NSTAT_KEYS) d[k] = after[k] - before[k];
  return d;
}

/** TCP line of /proc/net/sockstat as numbers (inuse, orphan, tw, alloc, mem pages). */
export function sockstat(): Record<string, number> {
  try {
    const line = readFileSync('/proc/net/sockstat', 'utf8').split('\n').find((l) => l.startsWith('TCP:')) ?? '';
    const parts = line.replace('TCP:', '').trim().split(/\s+/);
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i] ?? '?'] = Number(parts[i + 1]);
    return out;
  } catch {
    return {};
  }
}

/** Kernel slab memory in bytes (/proc/meminfo "Slab"); NaN when unreadable. */
export function slabBytes(): number {
  try {
    const m = /^Slab:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
