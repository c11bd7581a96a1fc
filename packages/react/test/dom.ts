// happy-dom's window as the globals react-dom reads, and React's act() environment flag. Imported first, so react-dom sees a document when it loads; `restoreDom` in `after`.

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
// Tells React that updates happen inside act() (as @testing-library/react's own setup would under Jest).
saved.set('IS_REACT_ACT_ENVIRONMENT', Object.getOwnPropertyDescriptor(globalThis, 'IS_REACT_ACT_ENVIRONMENT'));
Object.defineProperty(globalThis, 'IS_REACT_ACT_ENVIRONMENT', { value: true, configurable: true, writable: true });

/** Put the globals back as they were and close the window. */
export async function restoreDom(): Promise<void> {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else Reflect.deleteProperty(globalThis, name);
  }
  saved.clear();
  await window.happyDOM.close();
}
