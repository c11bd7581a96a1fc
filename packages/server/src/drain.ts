// Spreads an action over a window at random times with one chained timer (the drain of PROTOCOL.md §7).

import type { Clock, RandomSource, TimerHandle } from '@lifeline/core';

/**
 * Runs `act` once for each target, at a random offset in [0, window) from now, in offset order,
 * using one clock timer re-armed for the next due target. A window of 0 acts on all at once,
 * synchronously. Returns a cancel function.
 */
export function spreadOver<T>(clock: Clock, random: RandomSource, window: number, targets: readonly T[], act: (target: T) => void): () => void {
  const start = clock.now();
  const plan = targets.map((target) => ({ target, at: window > 0 ? random() * window : 0 })).sort((a, b) => a.at - b.at);
  let next = 0;
  let timer: TimerHandle | undefined;
  let cancelled = false;
  const step = (): void => {
    timer = undefined;
    const elapsed = clock.now() - start;
    for (let item = plan[next]; item !== undefined && item.at <= elapsed && !cancelled; item = plan[next]) {
      next++;
      act(item.target);
    }
    const due = plan[next];
    if (due !== undefined && !cancelled) timer = clock.setTimeout(step, Math.max(0, due.at - elapsed));
  };
  step();
  return () => {
    cancelled = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };
}
