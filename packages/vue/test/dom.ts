// happy-dom's window as the globals a DOM renderer reads. Imported first, so the framework sees a document when it loads; `restoreDom` in `after`.

import { Window } from 'happy-dom';

const window = new Window({ url: 'http://localhost/' });
const NAMES = ['window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'SVGElement', 'Text', 'Comment', 'DocumentFragment', 'Event', 'CustomEvent', 'MutationObserver', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame', 'HTMLIFrameElement'] as const;
const saved = new Map<string, PropertyDescriptor | undefined>();
const source = window as unknown as Record<string, unknown>;
for (const name of NAMES) {
  saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  const value = source[name];
  Object.defineProperty(globalThis, name, { value: typeof value === 'function' && /^[a-z]/.test(name) ? value.bind(window) : value, configurable: true, writable: true });
}

/** Put the globals back as they were and close the window. */
export async function restoreDom(): Promise<void> {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else Reflect.deleteProperty(globalThis, name);
  }
  saved.clear();
  await window.happyDOM.close();
}
