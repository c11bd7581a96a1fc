// The demo (`npm start`): a Lifeline session server for a monitoring wall, its page, and a faults panel.
//
// Every TICK_MS it broadcasts `{type: 'tick', n, at}`; every session numbers what it receives, so the
// page can show that nothing is lost or repeated across reconnects. Notes typed on the page are
// acknowledged and broadcast to everyone. Stdout: `LISTENING <port>`, then `SESSION`, `RECV` and
// `FAULT` lines.
//
// It also runs the wall (wall.ts): DEVICES simulated devices publishing on `device:<n>` every TICK_MS,
// the viewers' presence on `viewers`, and a slow `restartDevice` call (CALL_MS) counted per call.
//
// Env: PORT (default 8080), HOST (default 127.0.0.1), TICK_MS (default 500), DEVICES (4, at most 64),
// PRESENCE_GRACE_MS (5000), CALL_MS (1500), ORIGINS (comma-separated
// origins allowed to connect, or `any`; default: same-origin, the pages this server serves), DEMO_TEST=1 (adds
// GET /debug/received and GET /debug/calls for the tests).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { originAllowed, type OriginPolicy, type Session } from '@lifeline/server';
import { createLifelineServer } from '@lifeline/server/ws';
import { envInt, listen, loadPage, onShutdown, send, servePage } from '../shared/serve.js';
import { trackConnections } from './faults.js';
import { startWall, wallOptions } from './wall.js';

const port = envInt('PORT', 8080);
const host = process.env.HOST ?? '127.0.0.1';
const tickMs = envInt('TICK_MS', 500, 1);
const devices = envInt('DEVICES', 4, 1);
const MAX_DEVICES = 64; // one channel each, and a connection may hold 128 subscriptions
if (devices > MAX_DEVICES) {
  console.error(`DEVICES must be at most ${MAX_DEVICES}, got ${devices}`);
  process.exit(2);
}
const graceMs = envInt('PRESENCE_GRACE_MS', 5_000);
const callMs = envInt('CALL_MS', 1_500);
const testMode = process.env.DEMO_TEST === '1';
const WS_PATH = '/ws';
const MAX_NOTE_LENGTH = 500;
const MAX_SILENCE_MS = 60_000;

/** A client message as the server applied it (exactly once per idempotency key). */
interface Received {
  session: string;
  seq: number;
  key: string | undefined;
  text: string;
  at: number;
}
const received: Received[] = [];

const page = await loadPage(new URL('./', import.meta.url));
// The page draws one tile per device: tell it how many this server runs.
const assets = { ...page, html: page.html.replace(/data-devices="\d+"/, `data-devices="${devices}"`) };
const http = createServer((req, res) => route(req, res));
const faults = trackConnections(http, WS_PATH); // before Lifeline, so it sees every upgrade first
const bound = await listen(http, port, host);
const origins = originPolicy();

// Heartbeat every 5 s, dead after 5 s more: a demo should show a dead link within seconds.
const lifeline = createLifelineServer({ server: http, path: WS_PATH, origins, heartbeat: { interval: 5_000, timeout: 5_000 }, ...wallOptions(devices, graceMs) });
const wall = startWall(lifeline, devices, tickMs, callMs);

lifeline.on('session', (session, { resumed, reason }) => {
  console.log(`SESSION ${session.id} resumed=${resumed}${reason ? ` reason=${reason}` : ''}`);
});

lifeline.on('message', (session: Session, data, { seq, key }) => {
  const text = noteText(data);
  if (text === undefined) return; // acknowledged by the protocol all the same; nothing to apply
  received.push({ session: session.id, seq, key, text, at: Date.now() });
  console.log(`RECV ${JSON.stringify(text)} session=${session.id} seq=${seq}`);
  void lifeline.broadcast({ type: 'note', text, from: session.id.slice(0, 6), at: Date.now() });
});

lifeline.on('error', (error, context) => console.error(`lifeline: ${context}:`, error));

let n = 0;
const ticker = setInterval(() => void lifeline.broadcast({ type: 'tick', n: ++n, at: Date.now() }), tickMs);

onShutdown(async () => {
  clearInterval(ticker);
  wall.stop();
  faults.stop();
  // A short drain: every page gets goaway + 1012 and comes back (to a new process) on its own.
  await lifeline.close({ drain: 1_000 });
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeAllConnections();
  });
});

console.log(`LISTENING ${bound}`);
console.error(`demo: http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${bound}/  (origins: ${JSON.stringify(origins)})`);

// --- HTTP ------------------------------------------------------------------------------------------

function route(req: IncomingMessage, res: ServerResponse): void {
  if (servePage(assets, req, res)) return;
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/stats') return json(res, 200, lifeline.stats());
  if (req.method === 'GET' && url.pathname === '/debug/received' && testMode) return json(res, 200, received);
  if (req.method === 'GET' && url.pathname === '/debug/calls' && testMode) return json(res, 200, Object.fromEntries(wall.calls));
  if (req.method === 'POST' && url.pathname.startsWith('/fault/')) return fault(req, res, url);
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

function fault(req: IncomingMessage, res: ServerResponse, url: URL): void {
  // The same origin policy as the WebSocket: another site must not be able to drop our users.
  if (!originAllowed({ origins, allowMissingOrigin: true }, req.headers.origin, req.headers.host)) return json(res, 403, { error: 'origin not allowed' });
  if (url.pathname === '/fault/drop-connections') {
    const dropped = faults.dropConnections();
    console.log(`FAULT drop-connections ${dropped}`);
    return json(res, 200, { dropped });
  }
  if (url.pathname === '/fault/silence') {
    const ms = Number(url.searchParams.get('ms') ?? 3_000);
    if (!Number.isInteger(ms) || ms < 1 || ms > MAX_SILENCE_MS) return json(res, 400, { error: `ms must be an integer in 1..${MAX_SILENCE_MS}` });
    const silenced = faults.silence(ms);
    console.log(`FAULT silence ${ms} ${silenced}`);
    return json(res, 200, { silenced, ms });
  }
  json(res, 404, { error: 'unknown fault' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

// --- Helpers ---------------------------------------------------------------------------------------

/** The note in a client message `{text}`, or undefined for anything else. */
function noteText(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { text } = data as { text?: unknown };
  if (typeof text !== 'string' || text.length === 0) return undefined;
  return text.slice(0, MAX_NOTE_LENGTH);
}

/** ORIGINS (comma-separated, or `any`) when set; otherwise the pages this server serves itself. */
function originPolicy(): OriginPolicy {
  const configured = process.env.ORIGINS?.trim();
  if (configured === 'any') return 'any';
  if (configured) return configured.split(',').map((o) => o.trim()).filter(Boolean);
  return 'same-origin';
}
