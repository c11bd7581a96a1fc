// Test-only kit shared by the packages' suites.
export * from './fake-clock.js';
export * from './fake-websocket.js';
export * from './tcp-proxy.js';
export * from './process-harness.js';
export * from './wait.js';
export * from './history.js';
export * from './browser.js';
export * from './loopback.js';
