// The option names LifelineSocket knows; any other is refused, with the Lifeline name for reconnecting-websocket's and partysocket's.

/** Every option name, by where it is nested ('' for the top level). */
export const OPTION_NAMES = {
  '': ['WebSocket', 'clock', 'random', 'environment', 'heartbeat', 'wakeThreshold', 'backoff', 'maxAttempts', 'connectTimeout', 'minUptime', 'shouldReconnect', 'closeTimeout', 'outbox', 'reportError'],
  heartbeat: ['message', 'pong', 'anyMessageIsAlive', 'interval', 'timeout', 'maxMissed', 'mode', 'probe'],
  backoff: ['base', 'cap', 'refusedCap'],
  outbox: ['maxMessages', 'maxBytes', 'onOverflow'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Options of reconnecting-websocket and partysocket (same names, same meanings) and what to use
 * instead. `WebSocket` and `minUptime` mean the same in Lifeline and are accepted as they are.
 */
export const FOREIGN_OPTIONS: Readonly<Record<string, string>> = {
  maxRetries: 'use maxAttempts (reconnect attempts after a loss before giving up)',
  connectionTimeout: 'use connectTimeout (ms an attempt may take to open)',
  maxEnqueuedMessages: 'use outbox: { maxMessages } (messages held while not open)',
  minReconnectionDelay: 'use backoff: { base } (ms; the first reconnect waits a random delay up to it)',
  maxReconnectionDelay: 'use backoff: { cap } (ms; no delay exceeds it)',
  reconnectionDelayGrowFactor:
    'Lifeline doubles the delay ceiling per attempt with full jitter and has no growth factor; tune backoff: { base, cap }',
  startClosed: 'there is no equivalent: a LifelineSocket connects when constructed, so construct it when it should connect (or close() it and reconnect() later)',
  debug: "there is no equivalent: listen to 'statechange', 'reconnecting' and 'close' instead",
  debugLogger: "there is no equivalent: listen to 'statechange', 'reconnecting' and 'close' instead",
};

/**
 * Refuse option names this version does not know, so a misspelt or foreign option is never silently
 * ignored: the error names the option and, for a known foreign name or a near miss, what to use.
 * @throws TypeError for an unknown name.
 */
export function checkOptionNames(where: keyof typeof OPTION_NAMES, options: object): void {
  const known: readonly string[] = OPTION_NAMES[where];
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const path = where === '' ? name : `${where}.${name}`;
    const foreign = where === '' ? FOREIGN_OPTIONS[name] : undefined;
    const near = known.find((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= 2);
    const hint = foreign ?? (near === undefined ? `known ${where === '' ? 'options' : `${where} options`}: ${known.join(', ')}` : `did you mean '${near}'?`);
    throw new TypeError(`LifelineSocket: unknown option '${path}': ${hint}`);
  }
}

/** Levenshtein distance, for "did you mean"; option names are short. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
