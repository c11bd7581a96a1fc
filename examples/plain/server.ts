// The plain example's server: a bare `ws` endpoint that talks like the seed's Java one, plus the page.
//
// No Lifeline protocol here: `HeartCheck` is answered with `WebsocketLive`, a counter is pushed to
// every client, anything else is echoed. Stdout: `LISTENING <port>`, then `CONNECT`, `DISCONNECT`
// and `RECV <json text>` lines (heartbeats are not logged).
//
// Env: PORT (default 8081), HOST (default 127.0.0.1), TICK_MS (default 500), KEEPALIVE_MS (default 10000).

import { createServer } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { keepAlive } from '@lifeline/socket/server';
import { envInt, listen, loadPage, onShutdown, send, servePage } from '../shared/serve.js';

const port = envInt('PORT', 8081);
const host = process.env.HOST ?? '127.0.0.1';
const tickMs = envInt('TICK_MS', 500, 1);
const keepAliveMs = envInt('KEEPALIVE_MS', 10_000, 1);

const assets = await loadPage(new URL('./', import.meta.url));

const http = createServer((req, res) => {
  if (!servePage(assets, req, res)) send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
});

// The endpoint of the seed: `ws://host/ws`. A 64 KiB frame limit because nothing here needs more.
const wss = new WebSocketServer({ server: http, path: '/ws', maxPayload: 64 * 1024 });

// The server's half of liveness: protocol pings on one sweep timer, and peers that stayed silent
// for a whole period (a laptop closed mid-session, a dead NAT mapping) are terminated.
const liveness = keepAlive(wss, { interval: keepAliveMs });

wss.on('connection', (ws: WebSocket) => {
  console.log('CONNECT');
  ws.on('error', () => {}); // `close` follows and is all we need
  ws.on('close', () => console.log('DISCONNECT'));
  ws.on('message', (data: RawData) => {
    const text = rawText(data);
    if (text === 'HeartCheck') {
      ws.send('WebsocketLive');
      return;
    }
    console.log(`RECV ${JSON.stringify(text)}`);
    ws.send(JSON.stringify({ type: 'echo', text }));
  });
});

// One counter for the whole server, pushed to every client: a monitoring wall in miniature.
let n = 0;
const ticker = setInterval(() => {
  const frame = JSON.stringify({ type: 'tick', n: ++n, at: Date.now() });
  for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(frame);
}, tickMs);

onShutdown(async () => {
  clearInterval(ticker);
  liveness.stop();
  // 1001 Going Away: a Lifeline socket reconnects after it, so pages survive a redeploy.
  for (const client of wss.clients) client.close(1001, 'server shutting down');
  // `wss.close` calls back once every client is gone; peers that do not answer the close are cut.
  await new Promise<void>((resolve) => {
    wss.close(() => resolve());
    setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, 500).unref();
  });
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeAllConnections();
  });
});

const bound = await listen(http, port, host);
console.log(`LISTENING ${bound}`);
console.error(`plain example: http://${host}:${bound}/  (ws endpoint ws://${host}:${bound}/ws, tick every ${tickMs} ms)`);

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
