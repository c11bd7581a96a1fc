// @lifeline/socket/server: keep-alive for plain `ws` servers, with no Node built-ins.
export {
  keepAlive,
  type IntervalTimers,
  type KeepAlive,
  type KeepAliveOptions,
  type PeerLike,
  type ServerLike,
} from './keepalive.js';
