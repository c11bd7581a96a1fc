// The client's socket: a LifelineSocket set up for a session (no socket outbox, session retry rules), and the two writes the client makes on it.

import { SUBPROTOCOL, sessionRetries, type WelcomeMessage } from '@lifeline/protocol';
import { LifelineSocket, type SocketCloseEvent, type UrlProvider } from '@lifeline/socket';
import { LifelineError } from './errors.js';
import type { ClientStateChange, ReconnectingInfo } from './events.js';
import { socketHeartbeat } from './heartbeat.js';
import type { LifelineClientOptions } from './options.js';

/** What the client does with the socket's events. */
export interface SocketHandlers {
  open(): void;
  frame(data: unknown): void;
  close(event: SocketCloseEvent): void;
  probe(): void;
  giveup(attempts: number, reason: string): void;
  error(error: LifelineError): void;
  statechange(change: ClientStateChange): void;
  reconnecting(info: ReconnectingInfo): void;
}

/** A socket for a session: the client buffers and owns the heartbeat, and 1000 and the other terminal session codes stop it. */
export function sessionSocket(url: UrlProvider, options: LifelineClientOptions, reportError: (error: unknown) => void, on: SocketHandlers): LifelineSocket {
  const { WebSocket, clock, random, environment, backoff, maxAttempts, connectTimeout, minUptime } = options;
  const s = new LifelineSocket(url, SUBPROTOCOL, {
    ...{ WebSocket, clock, random, environment, backoff, maxAttempts, connectTimeout, minUptime, reportError },
    // The client owns buffering and asks `writable` before it writes: the socket's outbox stays unused.
    outbox: { maxMessages: 0 },
    heartbeat: socketHeartbeat(),
    shouldReconnect: ({ code }) => sessionRetries(code),
  });
  s.on('open', () => on.open());
  s.on('message', (event) => on.frame(event.data));
  s.on('close', (event) => on.close(event));
  s.on('probe', () => on.probe());
  s.on('giveup', (event) => on.giveup(event.attempts, event.reason));
  s.on('error', (event) => on.error(new LifelineError('transport', event.message, { cause: event.error })));
  s.on('statechange', ({ from, to, reason }) => on.statechange({ from, to, reason }));
  s.on('reconnecting', ({ attempt, delay, reason }) => on.reconnecting({ attempt, delay, reason }));
  return s;
}

/**
 * Write one frame if the link can take it now. A link the socket still calls open but cannot write
 * to is checked at once (a deadline that passed while timers slept tears it down); the frame's
 * owner keeps it for the next link. A write that throws is reported, never swallowed.
 */
export function writeFrame(socket: LifelineSocket, frame: string, failed: (error: LifelineError) => void): boolean {
  if (!socket.writable) {
    if (socket.state === 'open') socket.probe();
    return false;
  }
  try {
    socket.send(frame);
    return true;
  } catch (error) {
    failed(new LifelineError('transport', `send failed: ${describe(error)}`, { cause: error }));
    return false;
  }
}

/** Drive the socket's deadline from the welcome's heartbeat (or back to the default without one). */
export function applyHeartbeat(socket: LifelineSocket, w: WelcomeMessage | undefined, failed: (error: LifelineError) => void): void {
  try {
    socket.setHeartbeat(socketHeartbeat(w?.heartbeat));
  } catch (error) {
    const what = w ? 'unusable welcome.heartbeat' : 'could not reset the heartbeat';
    failed(new LifelineError(w ? 'bad-server-frame' : 'transport', `${what}: ${describe(error)}`, { cause: error }));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
