// Memory snapshots inside a benchmark child: optionally after a forced GC (children run with --expose-gc).

/** process.memoryUsage(), after two full collections when `gc` is asked for and available. */
export function memorySnapshot(args: unknown): NodeJS.MemoryUsage {
  const { gc } = (args ?? {}) as { gc?: boolean };
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    // Twice: the first pass can leave weakly-held garbage for the second.
    collect();
    collect();
  }
  return process.memoryUsage();
}
