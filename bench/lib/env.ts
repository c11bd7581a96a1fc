// The report header: machine, kernel, Node, library versions, pinning and date.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pinning } from './procs.js';
import { ROOT_DIR } from './build.js';

/** Installed version of an npm package (read from disk: `exports` maps hide package.json), or "missing". */
export function pkgVersion(name: string, from = ROOT_DIR): string {
  try {
    const json: unknown = JSON.parse(readFileSync(join(from, 'node_modules', name, 'package.json'), 'utf8'));
    return typeof json === 'object' && json !== null && 'version' in json ? String(json.version) : '?';
  } catch {
    return 'missing';
  }
}

function optionalAddon(name: string): string {
  const v = pkgVersion(name);
  return v === 'missing' ? 'not installed' : v;
}

export interface MachineInfo {
  date: string;
  host: string;
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  pinning: string;
  fdLimit: string;
  /** 1-minute load average at the start and end of the run: other work on the box skews absolutes. */
  loadAvg: { start: number; end: number };
  versions: Record<string, string>;
}

export const LOAD_AT_START = os.loadavg()[0] ?? 0;

export function machineInfo(): MachineInfo {
  let fdLimit = '?';
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    fdLimit = /Max open files\s+(\d+)/.exec(limits)?.[1] ?? '?';
  } catch {
    // not Linux
  }
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    pinning: pinning.note,
    fdLimit,
    loadAvg: { start: LOAD_AT_START, end: os.loadavg()[0] ?? 0 },
    versions: {
      ws: pkgVersion('ws'),
      'socket.io': pkgVersion('socket.io'),
      'engine.io': pkgVersion('engine.io'),
      'socket.io-client': pkgVersion('socket.io-client'),
      'reconnecting-websocket': pkgVersion('reconnecting-websocket'),
      bufferutil: optionalAddon('bufferutil'),
      '@lifeline/socket': pkgVersion('@lifeline/socket'),
      '@lifeline/client': pkgVersion('@lifeline/client'),
      '@lifeline/server': pkgVersion('@lifeline/server'),
      'ws (used by @lifeline/server)': pkgVersion('ws', join(ROOT_DIR, 'packages', 'server')),
    },
  };
}
