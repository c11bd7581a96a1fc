// Attack-suite server: a Lifeline server in its own process reporting its memory and counters every 100 ms.
//
// Env: PORT (0 picks one); LIMITS, JSON of server options merged over the defaults; AUTH=1 makes the
// identity the hello's `auth` string; BROADCAST_BYTES and BROADCAST_MS broadcast that much every so
// often. Prints `LISTENING <port>`, then `{"ev":"stats", heap, rss, sessions, connections, counts,
// stats}` lines (heap after a full GC), and `{"ev":"log","identity","data"}` for messages whose data
// starts with "log:". Exits when its stdin closes, so it never outlives the test process.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ServerOptions } from '@lifeline/server';
import { createLifelineServer } from '@lifeline/server/ws';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const limits = JSON.parse(process.env.LIMITS ?? '{}') as Partial<ServerOptions>;
const server = createLifelineServer({
  port: Number(process.env.PORT ?? 0),
  host: '127.0.0.1',
  origins: 'any',
  ...(process.env.AUTH === '1' ? { authenticate: ({ auth }: { auth: unknown }) => (typeof auth === 'string' ? auth : null) } : {}),
  ...limits,
});
server.on('error', () => {});
const counts: Record<string, number> = {};
server.on('message', (session, data) => {
  counts[session.identity] = (counts[session.identity] ?? 0) + 1;
  if (typeof data === 'string' && data.startsWith('log:')) process.stdout.write(`${JSON.stringify({ ev: 'log', identity: session.identity, data })}\n`);
});

const bytes = Number(process.env.BROADCAST_BYTES ?? 0);
if (bytes > 0) {
  const payload = 'b'.repeat(bytes);
  setInterval(() => void server.broadcast(payload), Number(process.env.BROADCAST_MS ?? 50)).unref();
}

setInterval(() => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  const stats = server.stats();
  process.stdout.write(`${JSON.stringify({ ev: 'stats', heap: heapUsed, rss, sessions: stats.sessions, connections: stats.connections, counts, stats })}\n`);
}, 100).unref();

await server.listening;
process.stdout.write(`LISTENING ${server.port}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
