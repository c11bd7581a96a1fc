// What a platform signal means to the socket in each state, and the subscription that delivers signals.

import type { Environment, EnvironmentSignal } from './environment.js';
import type { SocketState } from './events.js';

/**
 * What the socket does about a signal:
 * - `probe`: check the open link now.
 * - `park`: abandon the attempt in flight or pending and go `offline`.
 * - `leave-offline`: go `reconnecting` and attempt at once.
 * - `attempt-now`: run the pending attempt at once.
 * - `none`: nothing.
 */
export type SignalAction = 'probe' | 'park' | 'leave-offline' | 'attempt-now' | 'none';

/** The reaction to `signal` in `state`; a pure function. */
export function signalAction(signal: EnvironmentSignal, state: SocketState, attemptInFlight: boolean): SignalAction {
  switch (signal) {
    case 'offline':
      // Links often survive a blip (and Chromium's offline emulation keeps them open): let the
      // heartbeat decide. Attempts, though, would only fail: park until 'online'.
      if (state === 'open') return 'probe';
      return state === 'connecting' || state === 'reconnecting' ? 'park' : 'none';
    case 'online':
      if (state === 'open') return 'probe'; // a network change often strands the old link
      if (state === 'offline') return 'leave-offline';
      return state === 'reconnecting' && !attemptInFlight ? 'attempt-now' : 'none';
    case 'visible':
    case 'resume':
      return state === 'open' ? 'probe' : 'none';
    case 'hidden':
      return 'none';
  }
}

/** A subscription to an {@link Environment} that can be started and stopped repeatedly. */
export class SignalSubscription {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly environment: Environment,
    private readonly listener: (signal: EnvironmentSignal) => void,
  ) {}

  /** Start delivering signals; does nothing while already subscribed. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.environment.subscribe((signal) => this.listener(signal));
  }

  /** Stop delivering signals; idempotent. */
  stop(): void {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    unsubscribe?.();
  }
}
