// The in-process world of the contract tests: the real LifelineClient against the real session engine over the loopback transport, on one fake clock.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Json } from '@lifeline/protocol';
import { createSessionEngine, type EngineDependencies, type ServerOptions, type Session, type SessionEngine } from '@lifeline/server';
import type { Environment, EnvironmentSignal } from '@lifeline/socket';
import { FakeClock, Loopback, seededRandom } from '@lifeline/testkit';
import { LifelineClient, type LifelineClientOptions } from '../src/index.js';
import { record } from './fake-server.js';

/** Let every microtask and promise callback run (bounded: no real time passes). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await nextTurn();
}

export function engineOn(clock: FakeClock, options: Partial<ServerOptions> = {}, deps: EngineDependencies = {}): SessionEngine {
  return createSessionEngine({ origins: 'any', clock, random: seededRandom(11), ...options }, deps);
}

/** A client on the loopback to `engine`, with every event recorded, and the engine's side recorded too. */
export function world(options: { server?: Partial<ServerOptions>; client?: LifelineClientOptions; deps?: EngineDependencies } = {}) {
  const clock = new FakeClock();
  const engine = engineOn(clock, options.server, options.deps);
  const loopback = new Loopback(engine);
  let listener: ((signal: EnvironmentSignal) => void) | undefined;
  const environment: Environment = {
    isOnline: () => true,
    subscribe(l) {
      listener = l;
      return () => void (listener = undefined);
    },
  };
  const client = new LifelineClient('ws://loopback.test/', { WebSocket: loopback.WebSocket, clock, random: seededRandom(5), environment, ...options.client });
  const events = record(client);
  const received: Array<{ data: Json; seq: number; key?: string }> = [];
  const sessions: Session[] = [];
  const watch = (e: SessionEngine): void => {
    e.on('message', (_s, data, meta) => received.push({ data, ...meta }));
    e.on('session', (s) => sessions.push(s));
  };
  watch(engine);
  /** Advance the clock in slices, letting microtasks run between them, as real time would. */
  const advance = async (ms: number, slice = 50): Promise<void> => {
    for (let t = 0; t < ms; t += slice) {
      clock.advance(Math.min(slice, ms - t));
      await settle(5);
    }
  };
  const signal = (s: EnvironmentSignal): void => listener?.(s);
  return { clock, engine, loopback, client, events, received, sessions, watch, advance, signal };
}

export function track(p: Promise<void>): { state: string } {
  const t = { state: 'pending' };
  p.then(
    () => (t.state = 'resolved'),
    (e: unknown) => (t.state = `rejected: ${e instanceof Error ? e.message : String(e)}`),
  );
  return t;
}

