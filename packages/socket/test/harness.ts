// Shared fixtures for the socket suites: a scripted environment and a socket wired to fakes.

import {
  LifelineSocket,
  type Environment,
  type EnvironmentSignal,
  type HeartbeatOptions,
  type LifelineSocketOptions,
  type UrlProvider,
} from '@lifeline/socket';
import { FakeClock, FakeTransport } from '@lifeline/testkit';

/** An {@link Environment} the test drives; `online`/`offline` signals also flip `isOnline()`. */
export class FakeEnvironment implements Environment {
  online = true;
  private readonly listeners = new Set<(signal: EnvironmentSignal) => void>();

  isOnline(): boolean {
    return this.online;
  }

  subscribe(listener: (signal: EnvironmentSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  emit(signal: EnvironmentSignal): void {
    if (signal === 'online') this.online = true;
    if (signal === 'offline') this.online = false;
    for (const listener of [...this.listeners]) listener(signal);
  }
}

/** A socket on a fake clock, transport and environment, with every event logged as a short string. */
export function setup(options: LifelineSocketOptions = {}, url: UrlProvider = 'ws://lifeline.test/') {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const environment = new FakeEnvironment();
  const reported: unknown[] = [];
  const socket = new LifelineSocket(url, undefined, {
    WebSocket: transport.WebSocket,
    clock,
    environment,
    // 0.5 makes full-jitter delays exactly half the ceiling: 250, 500, 1000, ... (base 500, cap 10 s).
    random: () => 0.5,
    reportError: (error) => reported.push(error),
    ...options,
  });
  const log: string[] = [];
  socket.on('statechange', (e) => log.push(`state:${e.from}>${e.to}:${e.reason}`));
  socket.on('open', () => log.push('open'));
  socket.on('close', (e) => log.push(`close:${e.code}:${e.reason}`));
  socket.on('message', (e) => log.push(`message:${String(e.data)}`));
  socket.on('error', () => log.push('error'));
  socket.on('reconnecting', (e) => log.push(`reconnecting:${e.attempt}:${e.delay}:${e.reason}`));
  socket.on('heartbeat', (e) => log.push(`heartbeat:${e.rtt}`));
  socket.on('giveup', (e) => log.push(`giveup:${e.attempts}:${e.reason}`));
  const start = clock.now();
  return {
    socket,
    clock,
    transport,
    environment,
    log,
    reported,
    /** Milliseconds since setup. */
    elapsed: () => clock.now() - start,
    /** Log entries starting with `prefix`. */
    entries: (prefix: string) => log.filter((entry) => entry.startsWith(prefix)),
    /** Drain the log, returning what it held. */
    take: () => log.splice(0),
  };
}

/** A socket on {@link setup} whose first link is open, with `heartbeat`; `opened` is the open time. */
export function openSocket(heartbeat: false | HeartbeatOptions = {}) {
  const h = setup({ heartbeat, connectTimeout: 1_000_000 });
  h.transport.last.open();
  h.take();
  return { ...h, link: h.transport.last, opened: h.clock.now() };
}
