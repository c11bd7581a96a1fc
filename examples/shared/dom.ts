// Tiny DOM helpers the example pages share: find by data-testid, prepend a bounded log row.

/** The element with `data-testid="id"`; throws if the markup lacks it, so a typo fails loudly. */
export function byTestId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`page is missing [data-testid="${id}"]`);
  return element;
}

/** Rows kept per list: a wall left open for days must not grow without bound. */
export const MAX_ROWS = 300;

/** Prepend a timestamped row with `text` and `data-*` attributes to `list`, dropping the oldest rows. */
export function addRow(list: HTMLElement, text: string, data: Record<string, string> = {}): HTMLLIElement {
  const row = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  row.append(time, text);
  for (const [name, value] of Object.entries(data)) row.dataset[name] = value;
  list.prepend(row);
  while (list.children.length > MAX_ROWS) list.lastElementChild?.remove();
  return row;
}

/** Set a row's text after its timestamp. */
export function setRowText(row: HTMLLIElement, text: string): void {
  const time = row.querySelector('time');
  row.replaceChildren(...(time ? [time] : []), text);
}

/** Parse a JSON text message into an object, or undefined. */
export function parseObject(data: unknown): Record<string, unknown> | undefined {
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

/** `ws:` or `wss:` URL of `path` on the page's own host. */
export function sameOriginWsUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}
