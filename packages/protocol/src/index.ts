// @lifeline/protocol: the session wire contract as data. No I/O, no timers, no dependencies.
export * from './version.js';
export * from './defaults.js';
export * from './codes.js';
export * from './messages.js';
export * from './validate.js';
export * from './session-messages.js';
export * from './channel-messages.js';
export * from './presence-messages.js';
export * from './schema.js';
export * from './codec.js';
export * from './frames.js';
