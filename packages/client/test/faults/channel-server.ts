// Channel fault-suite server: a Lifeline server in a child process publishing a counter on channel
// `feed` and logging every publication as JSON lines.
//
// Env: PORT (0 picks one), HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, PUBLISH_MS. Prints `LISTENING <port>`,
// then one JSON line per event (stdout is synchronous on pipes in Linux, so a line printed before a
// SIGKILL is never lost):
//   {"ev":"publish","pid","n","t"}                     logged BEFORE engine.publish (its position is not known yet)
//   {"ev":"published","pid","n","epoch","offset","t"}  logged once publish resolved with the position
//   {"ev":"session","session","resumed","reason","t"}  every welcome the server sent (diagnostics)
//   {"ev":"stopped","pid","n","epoch","offset","t"}    after SIGUSR2: the publisher stopped for good, the last position
// Every PUBLISH_MS it publishes {n, pid} on `feed` (n = 1, 2, … per process: the pid tells restarts
// apart; with the in-memory history n equals the offset). It exits when its stdin closes, so it never
// outlives an abruptly killed test process.

import { createLifelineServer } from '@lifeline/server/ws';

const port = Number(process.env.PORT ?? 0);
const interval = Number(process.env.HEARTBEAT_INTERVAL ?? 200);
const timeout = Number(process.env.HEARTBEAT_TIMEOUT ?? 300);
const publishMs = Number(process.env.PUBLISH_MS ?? 10);
const CHANNEL = 'feed';
const pid = process.pid;

function log(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, t: Date.now() })}\n`);
}

const server = createLifelineServer({
  port,
  host: '127.0.0.1',
  origins: 'any',
  heartbeat: { interval, timeout },
});

server.on('session', (session, info) => {
  log({ ev: 'session', session: session.id, resumed: info.resumed, reason: info.reason ?? null });
});

let n = 0;
let last: { epoch: string; offset: number } | undefined;
// The engine chains publications of one channel, so they resolve (and are logged) in offset order.
let tail: Promise<void> = Promise.resolve();

function publishOne(): void {
  const mine = ++n;
  log({ ev: 'publish', pid, n: mine });
  const done = server.publish(CHANNEL, { n: mine, pid }).then(
    (at) => {
      last = { epoch: at.epoch, offset: at.offset };
      log({ ev: 'published', pid, n: mine, epoch: at.epoch, offset: at.offset });
    },
    (error: unknown) => log({ ev: 'publish-failed', pid, n: mine, error: String(error) }),
  );
  tail = tail.then(() => done);
}

const publisher = setInterval(publishOne, publishMs);

process.on('SIGUSR2', () => {
  clearInterval(publisher);
  void tail.then(() => log({ ev: 'stopped', pid, n, epoch: last?.epoch ?? null, offset: last?.offset ?? 0 }));
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

await server.listening;
process.stdout.write(`LISTENING ${server.port}\n`);
