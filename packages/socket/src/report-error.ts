// Where errors thrown by event listeners go when the application names no reportError of its own.

import { systemClock } from '@lifeline/core';

/**
 * Where errors thrown by listeners go by default: the platform's `reportError`, else a rethrow on a
 * fresh task, so a broken listener is seen but never breaks the state machine that called it.
 */
export function defaultReportError(error: unknown): void {
  const host = globalThis as { reportError?: (error: unknown) => void };
  if (typeof host.reportError === 'function') host.reportError(error);
  else
    systemClock.setTimeout(() => {
      throw error;
    }, 0);
}
