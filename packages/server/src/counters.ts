// The engine's running totals: one mutable record shared by its parts and read by stats().

import type { EngineStats } from './api.js';

/** The totals of {@link EngineStats} (not the gauges it computes), writable by the engine's parts. */
export type Counters = { -readonly [K in Exclude<keyof EngineStats, 'connections' | 'sessions' | 'dedupeKeys' | 'channels'>]: number };

/** Every total at zero, in the order `stats()` reports them. */
export function zeroCounters(): Counters {
  return {
    accepted: 0, rejected: 0, sessionsCreated: 0, sessionsEnded: 0, resumed: 0, resumeFailed: 0, terminated: 0,
    handshakeTimeouts: 0, authFailures: 0, slowConsumers: 0, rateLimited: 0, overflows: 0, violations: 0,
    duplicates: 0, deduplicated: 0, refused: 0, stalls: 0, storeFailures: 0, takeovers: 0,
  };
}
