// The demo's monitoring wall on the page: a tile per device channel, the viewers' presence with last-seen, and an RPC that survives a cut.

import { LifelineError, type LifelineClient, type Subscription } from '@lifeline/client';
import { addRow, byTestId, parseObject } from '../shared/dom.js';

/** What the wall reports to the test hook. */
export interface WallState {
  /** Per device channel: offsets delivered, in order, and every `subscribed` answer. */
  devices: Record<string, { offsets: number[]; subscribed: Array<{ recovered?: boolean; reason?: string }> }>;
  viewers: string[];
  left: Record<string, number | null>;
  calls: Array<{ status: string; ms?: number; error?: string }>;
}

/** This tab's viewer name: kept for the tab's life (a reload keeps it, another tab gets its own). */
export function viewerName(): string {
  const saved = sessionStorage.getItem('lifeline-demo-viewer');
  if (saved) return saved;
  const name = `viewer-${Math.random().toString(36).slice(2, 8)}`;
  sessionStorage.setItem('lifeline-demo-viewer', name);
  return name;
}

/** Wire the wall's tiles, viewers panel and RPC button to `client`; returns its state for the test hook. */
export function startWallPage(client: LifelineClient, devices: number): WallState {
  const state: WallState = { devices: {}, viewers: [], left: {}, calls: [] };
  const tiles = byTestId('tiles');
  for (let d = 1; d <= devices; d++) watchDevice(client.subscribe(`device:${d}`), tiles, state);
  watchViewers(client.subscribe('viewers'), state);
  const button = byTestId<HTMLButtonElement>('rpc-button');
  const results = byTestId<HTMLOListElement>('rpc-results');
  button.addEventListener('click', () => {
    const started = Date.now();
    const call = { status: 'pending' } as WallState['calls'][number];
    state.calls.push(call);
    const row = addRow(results, 'restartDevice(1): pending', { status: 'pending' });
    client.call('restartDevice', { device: 1 }, { timeout: 30_000 }).then(
      () => {
        call.status = 'done';
        call.ms = Date.now() - started;
        row.dataset.status = 'acknowledged';
        row.textContent = `restartDevice(1): done in ${call.ms} ms (ran once, whatever the link did)`;
      },
      (error: unknown) => {
        call.status = 'failed';
        call.error = error instanceof LifelineError ? error.code : String(error);
        row.dataset.status = 'failed';
        row.textContent = `restartDevice(1): failed (${call.error})`;
      },
    );
  });
  return state;
}

function watchDevice(sub: Subscription, tiles: HTMLElement, state: WallState): void {
  const record = (state.devices[sub.channel] = { offsets: [] as number[], subscribed: [] as Array<{ recovered?: boolean; reason?: string }> });
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.dataset.testid = `tile-${sub.channel}`;
  tile.innerHTML = `<h3></h3><p class="value">—</p><p class="pos">—</p><p class="recovery"></p>`;
  const [title, value, pos, recovery] = ['h3', '.value', '.pos', '.recovery'].map((s) => tile.querySelector<HTMLElement>(s));
  if (title) title.textContent = sub.channel;
  tiles.append(tile);
  sub.on('publication', (data, { offset }) => {
    record.offsets.push(offset);
    const reading = parseObject(data);
    if (value) value.textContent = String(reading?.value ?? '?');
    if (pos) pos.textContent = `offset ${offset}`;
  });
  sub.on('subscribed', ({ recovered, reason }) => {
    record.subscribed.push({ ...(recovered !== undefined ? { recovered } : {}), ...(reason ? { reason } : {}) });
    if (!recovery) return;
    // Never silent: a subscription that could not recover says so until the next good one.
    tile.dataset.bad = String(recovered === false);
    recovery.textContent = recovered === false ? `could not recover (${reason ?? 'unknown'}): showing live data only` : recovered ? 'recovered, nothing missed' : '';
  });
}

function watchViewers(sub: Subscription, state: WallState): void {
  const list = byTestId<HTMLOListElement>('viewers');
  const render = (): void => {
    state.viewers = sub.members.map((m) => m.id).sort();
    list.replaceChildren();
    for (const id of state.viewers) addRow(list, `${id} online`, { kind: 'resumed', viewer: id });
    for (const [id, at] of Object.entries(state.left)) {
      if (!state.viewers.includes(id)) addRow(list, `${id} left, last seen ${at === null ? 'unknown' : new Date(at).toLocaleTimeString()}`, { kind: 'session', viewer: id });
    }
  };
  sub.on('join', ({ id }) => {
    delete state.left[id];
    render();
  });
  sub.on('leave', ({ id, lastSeen }) => {
    state.left[id] = lastSeen ?? null;
    render();
  });
  sub.on('subscribed', render);
}
