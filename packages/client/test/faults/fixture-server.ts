// Fault-suite server: a Lifeline server in a child process that logs every delivery and send as JSON lines.
//
// Env: PORT (0 picks one), HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT, STREAM_MS. Prints `LISTENING <port>`,
// then one JSON line per event (stdout is synchronous on pipes in Linux, so a line printed before a
// SIGKILL is never lost):
//   {"ev":"session","session","resumed","reason","t"}   every welcome the server sent
//   {"ev":"deliver","id","session","seq","t"}           every client message handed to this app
//   {"ev":"send","id","session","t"}                    every server message, logged BEFORE session.send
//   {"ev":"sessionclose","session","reason","t"}       a session ended for good (diagnostics)
//   {"ev":"stream-stopped","sent","t"}                  after SIGUSR2: the stream has stopped for good
// Every STREAM_MS it sends {id: "s-<pid>-<n>"} to every live session (the pid keeps ids unique across
// restarts). It exits when its stdin closes, so it never outlives an abruptly killed test process.
//
// PLANT_BUG (comma-separated, for the harness self-check only) falsifies the record on purpose:
// `lose` omits the 10th delivery line, `dup` prints the 20th twice, `gap` logs the 15th send without
// sending it. The checker must then report lost and duplicated messages.

import type { Session } from '@lifeline/server';
import { createLifelineServer } from '@lifeline/server/ws';

const port = Number(process.env.PORT ?? 0);
const interval = Number(process.env.HEARTBEAT_INTERVAL ?? 200);
const timeout = Number(process.env.HEARTBEAT_TIMEOUT ?? 300);
const streamMs = Number(process.env.STREAM_MS ?? 20);
const planted = new Set((process.env.PLANT_BUG ?? '').split(',').filter(Boolean));

function log(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...event, t: Date.now() })}\n`);
}

const server = createLifelineServer({
  port,
  host: '127.0.0.1',
  origins: 'any',
  heartbeat: { interval, timeout },
  // The client sends ~100 messages/s and replays a backlog after each fault: keep the rate limit
  // out of the way, this suite is about link faults.
  rateLimit: { perSecond: 5_000, burst: 5_000 },
  identityRateLimit: { perSecond: 5_000, burst: 10_000 },
});

const sessions = new Map<string, Session>();

server.on('session', (session, info) => {
  sessions.set(session.id, session);
  log({ ev: 'session', session: session.id, resumed: info.resumed, reason: info.reason ?? null });
});

server.on('sessionclose', (session, reason) => {
  sessions.delete(session.id);
  log({ ev: 'sessionclose', session: session.id, reason });
});

let delivered = 0;
server.on('message', (session, data, meta) => {
  const id = typeof data === 'object' && data !== null && !Array.isArray(data) ? data.id : undefined;
  const line = { ev: 'deliver', id: typeof id === 'string' ? id : JSON.stringify(data), session: session.id, seq: meta.seq };
  delivered++;
  if (planted.has('lose') && delivered === 10) return;
  log(line);
  if (planted.has('dup') && delivered === 20) log(line);
});

let sent = 0;
let streaming = true;
const stream = setInterval(() => {
  if (!streaming) return;
  for (const [key, session] of sessions) {
    if (session.ended) {
      sessions.delete(key);
      continue;
    }
    const id = `s-${process.pid}-${++sent}`;
    log({ ev: 'send', id, session: session.id });
    if (planted.has('gap') && sent === 15) continue;
    // Settles on the client's ack; a rejection (session ended) shows up as an undelivered send.
    void session.send({ id });
  }
}, streamMs);

process.on('SIGUSR2', () => {
  streaming = false;
  clearInterval(stream);
  log({ ev: 'stream-stopped', sent });
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

await server.listening;
process.stdout.write(`LISTENING ${server.port}\n`);
