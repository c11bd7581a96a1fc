// Spreads an action over a window at random times with one chained timer (the drain of PROTOCOL.md §7).

import { TimerSlot, type Clock, type RandomSource } from '@lifeline/core';

/**
 * Runs `act` once for each target, at a random offset in [0, window) from now, in offset order,
 * using one timer slot re-armed for the next due target. A window of 0 acts on all at once,
 * synchronously. Returns a cancel function.
 */
export function spreadOver<T>(clock: Clock, random: RandomSource, window: number, targets: readonly T[], act: (target: T) => void): () => void {
  const start = clock.now();
  const plan = targets.map((target) => ({ target, at: window > 0 ? random() * window : 0 })).sort((a, b) => a.at - b.at);
  const slot = new TimerSlot(clock);
  let next = 0;
  let cancelled = false;
  const step = (): void => {
    const elapsed = clock.now() - start;
    for (let item = plan[next]; item !== undefined && item.at <= elapsed && !cancelled; item = plan[next]) {
      next++;
      act(item.target);
    }
    const due = plan[next];
    if (due !== undefined && !cancelled) slot.set(due.at - elapsed, step);
  };
  step();
  return () => {
    cancelled = true;
    slot.clear();
  };
}
