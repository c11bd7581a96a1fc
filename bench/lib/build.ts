// Bundles the child entry and the optional Lifeline packages with esbuild, so children start in
// ~50 ms under plain node instead of ~1 s under tsx, and a missing or half-written package only
// makes its contender unavailable.

import { build, type Plugin } from 'esbuild';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = resolve(BENCH_DIR, '..');
export const TMP_DIR = join(BENCH_DIR, 'results', 'tmp');
export const OPT_DIR = join(TMP_DIR, 'opt');
/** Environment variable telling contender modules (in every process) where the optional bundles are. */
export const OPT_ENV = 'LIFELINE_BENCH_OPT_DIR';

/** Optional Lifeline entry points; each is bundled only when its source exists. */
export const OPTIONAL: Record<string, string> = {
  socket: 'packages/socket/src/index.ts',
  'socket-server': 'packages/socket/src/server/index.ts',
  protocol: 'packages/protocol/src/index.ts',
  client: 'packages/client/src/index.ts',
  server: 'packages/server/src/index.ts',
  'server-ws': 'packages/server/src/ws/index.ts',
};

/**
 * Keep third-party packages external but pin each to the file it resolves to from its importer
 * (so @lifeline/server gets its own `ws` 8.23, and the harness gets the root one).
 */
const externalByPath: Plugin = {
  name: 'external-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@lifeline/') || args.path.startsWith('node:') || args.pluginData === 'inner') return undefined;
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
      if (r.errors.length > 0 || !r.path) return undefined;
      if (!r.path.includes('node_modules')) return undefined;
      return { path: r.path, external: true };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node20',
  conditions: ['lifeline-source'],
  plugins: [externalByPath],
  logLevel: 'silent' as const,
  sourcemap: false,
};

export interface BuildResult {
  childEntry: string;
  optional: Record<string, string>;
}

export async function buildBundles(): Promise<BuildResult> {
  mkdirSync(OPT_DIR, { recursive: true });
  const childEntry = join(TMP_DIR, 'child.mjs');
  await build({ ...common, entryPoints: [join(BENCH_DIR, 'child.ts')], outfile: childEntry });
  const optional: Record<string, string> = {};
  for (const [name, rel] of Object.entries(OPTIONAL)) {
    const src = join(ROOT_DIR, rel);
    const out = join(OPT_DIR, `${name}.mjs`);
    rmSync(out, { force: true }); // never run a stale bundle of a package that has since broken
    if (!existsSync(src)) {
      optional[name] = `missing: ${rel}`;
      continue;
    }
    try {
      await build({ ...common, entryPoints: [src], outfile: out });
      optional[name] = 'ok';
    } catch (e) {
      optional[name] = `build failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    }
  }
  process.env[OPT_ENV] = OPT_DIR;
  return { childEntry, optional };
}
