// The conformance page: runs the same checks against the native WebSocket and LifelineSocket, driven through `window.__conformance`.

import { LifelineSocket } from '@lifeline/socket';
import type { CheckEnv } from './check-helpers.js';
import { LINK_CHECKS } from './checks-link.js';
import { SURFACE_CHECKS } from './checks-surface.js';

/** What one check observed, or how it failed to finish. */
export type CheckResult = { readonly ok: unknown } | { readonly failed: string };

declare global {
  interface Window {
    __conformance?: {
      /** The checks, in order, with the issue item each covers. */
      readonly checks: ReadonlyArray<{ name: string; item: number }>;
      run(subject: 'native' | 'lifeline', env: CheckEnv): Promise<Record<string, CheckResult>>;
    };
  }
}

// Captured before any check replaces the global (one of them does, and restores it).
const NativeWebSocket = window.WebSocket;
const CHECKS = [...SURFACE_CHECKS, ...LINK_CHECKS];
const PER_CHECK_MS = 8_000;

async function runOne(run: () => Promise<unknown>): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<CheckResult>((resolve) => (timer = setTimeout(() => resolve({ failed: `did not finish in ${PER_CHECK_MS} ms` }), PER_CHECK_MS)));
  const attempt = run().then(
    (ok): CheckResult => ({ ok: JSON.parse(JSON.stringify(ok ?? null)) as unknown }),
    (error: unknown): CheckResult => ({ failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

window.__conformance = {
  checks: CHECKS.map(({ name, item }) => ({ name, item })),
  async run(subject, env) {
    // The same code for both: only the constructor differs. LifelineSocket is used with its defaults.
    const Ctor: typeof WebSocket = subject === 'native' ? NativeWebSocket : LifelineSocket;
    const results: Record<string, CheckResult> = {};
    for (const check of CHECKS) results[check.name] = await runOne(() => check.run(Ctor, env));
    return results;
  },
};
const state = document.querySelector('[data-testid="state"]');
if (state) state.textContent = 'ready';
