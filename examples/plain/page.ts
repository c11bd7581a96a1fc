// The plain example's page: one LifelineSocket against a HeartCheck/WebsocketLive server, shown live.

import { LifelineSocket, type SocketState } from '@lifeline/socket';
import { addRow, byTestId, parseObject, sameOriginWsUrl, setRowText } from '../shared/dom.js';

/** One entry of the test hook's event record. */
interface RecordedEvent {
  type: string;
  at: number;
  [detail: string]: unknown;
}

declare global {
  interface Window {
    /** Test hook: the socket and everything it reported, with timestamps (ticks are only counted). */
    __lifeline?: { socket: LifelineSocket; events: RecordedEvent[] };
  }
}

const wsUrl = sameOriginWsUrl('/ws');

// The seed's hand-written heartCheck, as configuration: `HeartCheck` every 5 s, 3 s to answer.
// As in the seed, only the answer proves the link alive (`anyMessageIsAlive: false`): the tick
// stream could keep flowing from a server whose message handler is wedged, and with ticks counting
// as life the socket would never need to ping, so there would be no round-trip time to show.
const socket = new LifelineSocket(wsUrl, [], {
  heartbeat: { message: 'HeartCheck', pong: 'WebsocketLive', interval: 5_000, timeout: 3_000, anyMessageIsAlive: false },
});

const events: RecordedEvent[] = [];
window.__lifeline = { socket, events };
const record = (type: string, detail: Record<string, unknown> = {}) => events.push({ type, at: Date.now(), ...detail });

// --- DOM -------------------------------------------------------------------------------------------

const ui = {
  state: byTestId('state'),
  network: byTestId('network'),
  rtt: byTestId('rtt'),
  attempts: byTestId('attempts'),
  outbox: byTestId('outbox'),
  counter: byTestId('counter'),
  ticks: byTestId('ticks'),
  form: byTestId<HTMLFormElement>('send-form'),
  input: byTestId<HTMLInputElement>('message-input'),
  messages: byTestId<HTMLOListElement>('messages'),
  stateLog: byTestId<HTMLOListElement>('state-log'),
};

function showState(state: SocketState): void {
  ui.state.textContent = state;
  ui.state.dataset.state = state;
}

// `outboxSize` has no change event; it changes on send, open and flush, so refresh it on those
// and on a slow timer for anything in between.
function showOutbox(): void {
  ui.outbox.textContent = String(socket.outboxSize);
}

function showNetwork(): void {
  ui.network.textContent = navigator.onLine ? 'online' : 'offline';
}

// --- Socket events -----------------------------------------------------------------------------------

socket.addEventListener('statechange', ({ from, to, reason }) => {
  record('statechange', { from, to, reason });
  showState(to);
  showOutbox();
  addRow(ui.stateLog, `${from} → ${to} (${reason})`);
  if (to === 'open') ui.attempts.textContent = '0';
});

socket.addEventListener('reconnecting', ({ attempt, delay, reason }) => {
  record('reconnecting', { attempt, delay, reason });
  ui.attempts.textContent = `${attempt} (in ${delay} ms, ${reason})`;
});

socket.addEventListener('heartbeat', ({ rtt }) => {
  record('heartbeat', { rtt });
  ui.rtt.textContent = `${rtt} ms`;
});

socket.addEventListener('close', ({ code, reason, wasClean }) => record('close', { code, reason, wasClean }));
socket.addEventListener('error', ({ message }) => record('error', { message }));
socket.addEventListener('giveup', ({ attempts, reason }) => record('giveup', { attempts, reason }));
// Rows of messages sent while down; the socket flushes its outbox on open, before `open` fires.
let queuedRows: { row: HTMLLIElement; text: string }[] = [];
socket.addEventListener('open', () => {
  record('open');
  showOutbox();
  for (const { row, text } of queuedRows) {
    row.dataset.kind = 'sent';
    setRowText(row, `→ ${text} (sent on reconnect)`);
  }
  queuedRows = [];
});

let ticks = 0;
socket.addEventListener('message', ({ data }) => {
  const message = parseObject(data);
  if (message?.type === 'tick' && typeof message.n === 'number') {
    ticks++;
    ui.counter.textContent = String(message.n);
    ui.ticks.textContent = String(ticks);
  } else if (message?.type === 'echo' && typeof message.text === 'string') {
    record('echo', { text: message.text });
    addRow(ui.messages, `← ${message.text}`, { kind: 'echo', text: message.text });
  } else {
    record('unknown', { data: String(data) });
  }
});

// --- Browser signals (the socket listens to them itself; shown here so a person can see why) ----------

for (const type of ['online', 'offline'] as const) {
  window.addEventListener(type, () => {
    record('network', { online: type === 'online' });
    showNetwork();
  });
}

// --- Sending -----------------------------------------------------------------------------------------

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (!text) return;
  try {
    // Queued when no live link is open, flushed in order on the next open: no "is it connected?"
    // check needed. The outbox is FIFO, so a non-empty one still holds this message.
    socket.send(text);
    const queued = socket.outboxSize > 0;
    record('send', { text, queued });
    const row = addRow(ui.messages, `→ ${text}${queued ? ' (queued)' : ''}`, { kind: queued ? 'queued' : 'sent' });
    if (queued) queuedRows.push({ row, text });
    ui.input.value = '';
  } catch (error) {
    // Outbox overflow, or the socket was closed for good.
    const message = error instanceof Error ? error.message : String(error);
    record('send-failed', { text, message });
    addRow(ui.messages, `✗ ${text}: ${message}`, { kind: 'failed' });
  }
  showOutbox();
});

showState(socket.state);
showNetwork();
showOutbox();
setInterval(showOutbox, 250);
