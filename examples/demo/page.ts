// The demo page: a monitoring wall on a LifelineClient session, with its delivery guarantees made visible.

import { LifelineClient, LifelineError, type ClientState, type SessionInfo } from '@lifeline/client';
import { addRow, byTestId, parseObject, sameOriginWsUrl, setRowText } from '../shared/dom.js';
import { CallAnswers } from './call-answers.js';
import { startWallPage, viewerName, type WallState } from './wall-page.js';

/** One entry of the test hook's event record. */
interface RecordedEvent {
  type: string;
  at: number;
  [detail: string]: unknown;
}

/** One server seq as the page accounted for it: a message delivered, or (`type: 'answer'`) a call's answer. */
interface Delivered {
  session: string;
  seq: number;
  type: string;
}

declare global {
  interface Window {
    /** Test hook: the client, what it reported, and the last server messages delivered. */
    __demo?: { client: LifelineClient; events: RecordedEvent[]; stream: Delivered[]; wall: WallState; viewer: string };
  }
}

// Everything at its default: the server drives the heartbeat and announces it in `welcome`. The
// viewer name is this tab's identity (the server's presence counts viewers by it).
const viewer = viewerName();
const client = new LifelineClient(sameOriginWsUrl('/ws'), { auth: () => viewer });

const MAX_RECORDED = 5_000;
const events: RecordedEvent[] = [];
const stream: Delivered[] = [];
const answers = new CallAnswers(client);
const wall = startWallPage(client, answers, Number(document.body.dataset.devices ?? 4), viewer);
window.__demo = { client, events, stream, wall, viewer };
const record = (type: string, detail: Record<string, unknown> = {}) => {
  events.push({ type, at: Date.now(), ...detail });
  if (events.length > MAX_RECORDED) events.shift();
};

const ui = {
  state: byTestId('state'),
  sessionId: byTestId('session-id'),
  resumed: byTestId('resumed'),
  rtt: byTestId('rtt'),
  attempts: byTestId('attempts'),
  lastSeq: byTestId('last-seq'),
  gaps: byTestId('gaps'),
  discontinuities: byTestId('discontinuities'),
  outbox: byTestId('outbox'),
  stream: byTestId<HTMLOListElement>('stream'),
  form: byTestId<HTMLFormElement>('send-form'),
  input: byTestId<HTMLInputElement>('message-input'),
  sends: byTestId<HTMLOListElement>('sends'),
  faultResult: byTestId('fault-result'),
  serverStats: byTestId('server-stats'),
  stateLog: byTestId<HTMLOListElement>('state-log'),
};

function showState(state: ClientState): void {
  ui.state.textContent = state;
  ui.state.dataset.state = state;
}

// `outboxSize` has no change event (it shrinks on acks), so it is refreshed on a slow timer too.
function showOutbox(): void {
  ui.outbox.textContent = String(client.outboxSize);
}

// --- Connection --------------------------------------------------------------------------------------

client.on('statechange', ({ from, to, reason }) => {
  record('statechange', { from, to, reason, online: navigator.onLine });
  showState(to);
  addRow(ui.stateLog, `${from} → ${to} (${reason})`);
  if (to === 'open') ui.attempts.textContent = '0';
});

client.on('reconnecting', ({ attempt, delay, reason }) => {
  record('reconnecting', { attempt, delay, reason });
  ui.attempts.textContent = `${attempt} (in ${delay} ms, ${reason})`;
});

client.on('close', ({ code, reason }) => record('close', { code, reason }));
// The client follows the browser's online/offline events itself; recorded for the tests and logs.
for (const type of ['online', 'offline'] as const) window.addEventListener(type, () => record('network', { online: type === 'online' }));
client.on('error', (error) => record('error', { code: error.code, message: error.message }));
client.on('giveup', ({ attempts, reason }) => {
  record('giveup', { attempts, reason });
  addRow(ui.stream, `gave up after ${attempts} attempts (${reason}); reload to try again`, { kind: 'gap' });
});

// --- Sessions and the sequence check -------------------------------------------------------------------

let lastSeq = 0;
let gaps = 0;
let discontinuities = 0;
let sessions = 0;

client.on('session', (info: SessionInfo) => {
  const { id, resumed, reason } = info;
  record('session', { id, resumed, reason, previousId: info.previousId });
  sessions++;
  ui.sessionId.textContent = id;
  const rtt = client.rtt;
  if (rtt !== undefined) ui.rtt.textContent = `${rtt} ms`;
  if (resumed) {
    ui.resumed.textContent = 'resumed, nothing lost';
    ui.resumed.dataset.bad = 'false';
    addRow(ui.stream, `resumed session ${short(id)} after seq ${lastSeq}: missed messages are replayed next`, { kind: 'resumed' });
    return;
  }
  lastSeq = 0; // a fresh session numbers from 1
  if (sessions === 1) {
    ui.resumed.textContent = `new session (${reason ?? 'new'})`;
    addRow(ui.stream, `session ${short(id)} started`, { kind: 'session' });
    return;
  }
  // The server could not continue the old session (e.g. it restarted and lost its memory):
  // whatever it sent that we had not received is gone. Say so; never paper over it.
  discontinuities++;
  ui.discontinuities.textContent = String(discontinuities);
  ui.resumed.textContent = `not resumed: ${reason ?? 'unknown'}`;
  ui.resumed.dataset.bad = 'true';
  addRow(ui.stream, `DISCONTINUITY: new session ${short(id)} (${reason ?? 'unknown'}); messages the old session had not delivered are lost`, {
    kind: 'discontinuity',
    reason: reason ?? '',
  });
});

/** Most skipped seqs looked up one by one; a wilder jump is a gap without further ado. */
const MAX_SKIP = 1_000;

client.on('message', (data, { seq }) => {
  const session = client.sessionId ?? '';
  // The client guarantees every seq once, in order; check it anyway, visibly. A seq skipped must have
  // carried the answer to one of our calls (which the client hands to the call, not to this listener).
  let gap = seq <= lastSeq || seq - lastSeq > MAX_SKIP;
  for (let s = lastSeq + 1; !gap && s < seq; s++) {
    if (!answers.take(s)) gap = true;
    else {
      stream.push({ session, seq: s, type: 'answer' });
      addRow(ui.stream, `#${s}  answer to a call`, { kind: 'answer', seq: String(s) });
    }
  }
  answers.forgetThrough(seq);
  if (gap) {
    gaps++;
    ui.gaps.textContent = String(gaps);
    ui.gaps.dataset.bad = 'true';
    addRow(ui.stream, `GAP: expected seq ${lastSeq + 1}, got ${seq}`, { kind: 'gap' });
  }
  lastSeq = seq;
  ui.lastSeq.textContent = String(seq);
  const message = parseObject(data);
  const type = typeof message?.type === 'string' ? message.type : 'unknown';
  stream.push({ session, seq, type });
  if (stream.length > MAX_RECORDED) stream.shift();
  if (type === 'tick') {
    addRow(ui.stream, `#${seq}  tick n=${String(message?.n)}`, { kind: 'msg', seq: String(seq) });
  } else if (type === 'note') {
    addRow(ui.stream, `#${seq}  note from ${String(message?.from)}: ${String(message?.text)}`, { kind: 'note', seq: String(seq) });
  } else {
    addRow(ui.stream, `#${seq}  ${JSON.stringify(data)}`, { kind: 'msg', seq: String(seq) });
  }
});

// --- Sending: pending until the server acknowledges it, through any number of reconnects -----------

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (!text) return;
  ui.input.value = '';
  const row = addRow(ui.sends, `${text}: pending`, { status: 'pending', text });
  record('send', { text });
  client.send({ text }).then(
    () => {
      record('ack', { text });
      row.dataset.status = 'acknowledged';
      setRowText(row, `${text}: acknowledged`);
      showOutbox();
    },
    (error: unknown) => {
      const reason = error instanceof LifelineError ? `${error.code}: ${error.message}` : String(error);
      record('send-failed', { text, reason });
      row.dataset.status = 'failed';
      setRowText(row, `${text}: failed (${reason})`);
      showOutbox();
    },
  );
  showOutbox();
});

// --- Faults panel: small HTTP endpoints on the demo server ---------------------------------------------

for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-fault]')) {
  button.addEventListener('click', () => {
    const path = button.dataset.fault ?? '';
    record('fault', { path });
    fetch(path, { method: 'POST' })
      .then(async (response) => `${button.textContent ?? path}: ${response.status} ${await response.text()}`)
      .catch((error: unknown) => `${button.textContent ?? path}: server unreachable (${String(error)})`)
      .then((text) => {
        ui.faultResult.textContent = text;
      });
  });
}

async function showServerStats(): Promise<void> {
  try {
    const response = await fetch('/stats', { cache: 'no-store' });
    const stats = parseObject(await response.text());
    if (!stats) throw new Error(`status ${response.status}`);
    ui.serverStats.textContent =
      `${String(stats.connections)} connections, ${String(stats.sessions)} sessions, ` +
      `${String(stats.resumed)} resumed, ${String(stats.resumeFailed)} resume failures, ${String(stats.terminated)} dead links cut`;
  } catch {
    ui.serverStats.textContent = 'unreachable';
  }
}

function short(id: string): string {
  return id.slice(0, 8);
}

showState(client.state);
showOutbox();
setInterval(showOutbox, 250);
void showServerStats();
setInterval(() => void showServerStats(), 2_000);
