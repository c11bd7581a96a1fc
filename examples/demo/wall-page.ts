// The demo's monitoring wall on the page: a tile per device channel, the viewers' presence with last-seen, and an RPC that survives a cut.

import { LifelineError, type LifelineClient, type SubscribedInfo, type Subscription } from '@lifeline/client';
import { addRow, byTestId, parseObject, setRowText } from '../shared/dom.js';
import type { CallAnswers } from './call-answers.js';

/** A `subscribed` answer as the wall saw it; `at` is how many publications the tile had delivered before it. */
export interface SubscribedRecord {
  recovered?: boolean;
  reason?: string;
  epoch: string;
  offset: number;
  at: number;
}

/** What the wall reports to the test hook. */
export interface WallState {
  /** Per device channel: offsets delivered, in order, and every `subscribed` answer. */
  devices: Record<string, { offsets: number[]; subscribed: SubscribedRecord[] }>;
  /** Viewers online now (identities, sorted). */
  viewers: string[];
  /** Viewers who left: their last-seen time (ms since the epoch), or null when nobody knows it. */
  left: Record<string, number | null>;
  /** Every join and leave this tab saw, in order (page clock, ms since the epoch). */
  presence: Array<{ type: 'join' | 'leave'; id: string; at: number }>;
  calls: Array<{ status: 'pending' | 'done' | 'failed'; ms?: number; error?: string; restarts?: number }>;
}

const VIEWER_KEY = 'lifeline-demo-viewer';
/** The names the server accepts (wall.ts): a saved name it would refuse is replaced, not sent forever. */
const VIEWER = /^[A-Za-z0-9_-]{1,32}$/;
/** Publications remembered per device for the test hook. */
const MAX_OFFSETS = 5_000;

/** This tab's viewer name: kept for the tab's life (a reload keeps it, another tab gets its own). */
export function viewerName(): string {
  const saved = sessionStorage.getItem(VIEWER_KEY);
  if (saved && VIEWER.test(saved)) return saved;
  const name = `viewer-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem(VIEWER_KEY, name);
  return name;
}

/** Wire the wall's tiles, viewers panel and RPC button to `client`; returns its state for the test hook. */
export function startWallPage(client: LifelineClient, answers: CallAnswers, devices: number, me: string): WallState {
  const state: WallState = { devices: {}, viewers: [], left: {}, presence: [], calls: [] };
  const tiles = byTestId('tiles');
  for (let d = 1; d <= devices; d++) watchDevice(client.subscribe(`device:${d}`), tiles, state);
  watchViewers(client, answers, client.subscribe('viewers'), state, me);
  const button = byTestId<HTMLButtonElement>('rpc-button');
  const results = byTestId<HTMLOListElement>('rpc-results');
  button.addEventListener('click', () => {
    const started = performance.now();
    const call: WallState['calls'][number] = { status: 'pending' };
    state.calls.push(call);
    const row = addRow(results, 'restartDevice(1): pending…', { status: 'pending' });
    // One call id, kept through any number of reconnects: the server runs it once and answers after the resume.
    answers.track(() => client.call('restartDevice', { device: 1 }, { timeout: 30_000 })).then(
      (result) => {
        call.status = 'done';
        call.ms = Math.round(performance.now() - started);
        const restarts = parseObject(result)?.restarts;
        if (typeof restarts === 'number') call.restarts = restarts;
        row.dataset.status = 'acknowledged';
        setRowText(row, `restartDevice(1): done in ${call.ms} ms, device 1 restarted ${String(restarts)} time(s) in all`);
      },
      (error: unknown) => {
        call.status = 'failed';
        call.ms = Math.round(performance.now() - started);
        call.error = error instanceof LifelineError ? `${error.code}: ${error.message}` : String(error);
        row.dataset.status = 'failed';
        setRowText(row, `restartDevice(1): failed after ${call.ms} ms (${call.error})`);
      },
    );
  });
  return state;
}

function watchDevice(sub: Subscription, tiles: HTMLElement, state: WallState): void {
  const record: WallState['devices'][string] = (state.devices[sub.channel] = { offsets: [], subscribed: [] });
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.dataset.testid = `tile-${sub.channel}`;
  const part = (tag: string, className: string, text = '—'): HTMLElement => {
    const el = document.createElement(tag);
    el.className = className;
    el.textContent = text;
    tile.append(el);
    return el;
  };
  part('h3', 'name', sub.channel);
  const value = part('p', 'value');
  const pos = part('p', 'pos');
  const status = part('p', 'status', '');
  const recovery = part('p', 'recovery', 'subscribing…');
  tiles.append(tile);
  sub.on('publication', (data, { epoch, offset }) => {
    record.offsets.push(offset);
    if (record.offsets.length > MAX_OFFSETS) record.offsets.shift();
    const reading = parseObject(data);
    value.textContent = String(reading?.value ?? '?');
    pos.textContent = `offset ${offset} · epoch ${epoch}`;
    const restarts = typeof reading?.restarts === 'number' ? reading.restarts : 0;
    status.textContent = reading?.restarting === true ? 'restarting…' : restarts > 0 ? `restarted ${restarts}×` : '';
  });
  sub.on('subscribed', (info: SubscribedInfo) => {
    const { recovered, reason, epoch, offset } = info;
    record.subscribed.push({ ...(recovered !== undefined ? { recovered } : {}), ...(reason ? { reason } : {}), epoch, offset, at: record.offsets.length });
    // Never silent: a subscription that could not recover says so, in red, until the next good one.
    tile.dataset.bad = String(recovered === false);
    recovery.textContent =
      recovered === false
        ? `NOT RECOVERED (${reason ?? 'unknown'}): readings published meanwhile are lost; live again from offset ${offset}`
        : recovered
          ? `recovered after offset ${offset}, nothing missed`
          : `subscribed at offset ${offset}`;
  });
  sub.on('error', (error) => {
    tile.dataset.bad = 'true';
    recovery.textContent = `subscription error: ${error.code}`;
  });
}

function watchViewers(client: LifelineClient, answers: CallAnswers, sub: Subscription, state: WallState, me: string): void {
  const list = byTestId<HTMLOListElement>('viewers');
  const render = (): void => {
    const online = [...sub.members].sort((a, b) => a.id.localeCompare(b.id));
    state.viewers = online.map((m) => m.id);
    list.replaceChildren();
    for (const [id, at] of Object.entries(state.left)) {
      if (state.viewers.includes(id)) continue;
      const seen = at === null ? 'unknown' : new Date(at).toLocaleTimeString();
      addRow(list, `${id} left, last seen ${seen}`, { kind: 'session', viewer: id, status: 'left' });
    }
    for (const { id, devices } of online) {
      const label = `${id}${id === me ? ' (you)' : ''} online${devices > 1 ? ` in ${devices} tabs` : ''}`;
      addRow(list, label, { kind: 'resumed', viewer: id, status: 'online' });
    }
  };
  const log = (type: 'join' | 'leave', id: string): void => {
    state.presence.push({ type, id, at: Date.now() });
    if (state.presence.length > MAX_OFFSETS) state.presence.shift();
  };
  sub.on('join', ({ id }) => {
    log('join', id);
    delete state.left[id];
    render();
  });
  sub.on('leave', ({ id, lastSeen }) => {
    log('leave', id);
    state.left[id] = lastSeen ?? null;
    render();
    if (lastSeen !== undefined) return;
    // A leave seen in a snapshot (it happened while we were away) carries no time: ask the server.
    answers.track(() => client.presence([id])).then(
      (presence) => {
        const seen = presence[id]?.lastSeen;
        if (seen === undefined || state.left[id] !== null) return;
        state.left[id] = seen;
        render();
      },
      () => {}, // still "unknown"
    );
  });
  sub.on('subscribed', render);
}
