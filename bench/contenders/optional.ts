// Loads an optional Lifeline package bundle (see lib/build.ts) as an untyped module, or null.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Must match OPT_ENV in lib/build.ts (kept separate so child bundles do not pull in esbuild). */
const OPT_ENV = 'LIFELINE_BENCH_OPT_DIR';

export type ModuleRecord = Record<string, unknown>;

/** Import `<optDir>/<name>.mjs`; null when the bundle was not built (package absent or broken). */
export async function loadOptional(name: string): Promise<ModuleRecord | null> {
  const dir = process.env[OPT_ENV];
  if (!dir) return null;
  const file = join(dir, `${name}.mjs`);
  if (!existsSync(file)) return null;
  const mod: unknown = await import(pathToFileURL(file).href);
  return typeof mod === 'object' && mod !== null ? (mod as ModuleRecord) : null;
}
