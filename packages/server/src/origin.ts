// The origin policy of PROTOCOL.md §1: exact origins, the server's own host, or any; a pure function any binding applies before the upgrade.

import { parseUrl } from '@lifeline/core';
import type { ResolvedOptions } from './options.js';

/** The origin policy (exact match, same host, or any); a missing Origin follows `allowMissingOrigin`. */
export function originAllowed(
  options: Pick<ResolvedOptions, 'origins' | 'allowMissingOrigin'>,
  origin: string | undefined,
  host?: string,
): boolean {
  if (origin === undefined || origin === '') return options.allowMissingOrigin;
  if (options.origins === 'any') return true;
  if (options.origins === 'same-origin') return host !== undefined && hostOf(origin) === host.toLowerCase();
  return options.origins.includes(origin);
}

function hostOf(origin: string): string | undefined {
  return parseUrl(origin)?.host;
}
