// @lifeline/core: runtime primitives shared by every Lifeline package. No dependencies, no Node built-ins.
export { systemClock, monotonicClock, type Clock, type TimerHandle, type RandomSource } from './clock.js';
export { TimerSlot } from './timer-slot.js';
export { Emitter, type EventArgs, type EventListener } from './emitter.js';
export { utf8ByteLength, truncateUtf8 } from './utf8.js';
export { platform, decodeUtf8, secureRandomBytes, base64url, constantTimeEqual, logError, parseUrl, type UrlParts } from './platform.js';
export { attempt } from './attempt.js';
