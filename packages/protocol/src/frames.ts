// Canonical encoders for the frames sent on every beat or per message: the bytes `encode` would write, built without a generic JSON pass.

/** `encode({t: 'msg', seq, data})` for `data` already serialised to `dataJson` (once per broadcast, not per session). */
export function dataFrame(seq: number, dataJson: string): string {
  return `{"t":"msg","seq":${seq},"data":${dataJson}}`;
}

/** `encode({t: 'ack', seq})`. */
export function ackFrame(seq: number): string {
  return `{"t":"ack","seq":${seq}}`;
}

/** `encode({t: 'ping', ack})`, or `{t: 'ping'}` without an ack. */
export function pingFrame(ack?: number): string {
  return ack === undefined ? '{"t":"ping"}' : `{"t":"ping","ack":${ack}}`;
}

/** `encode({t: 'pong', ack})`, or `{t: 'pong'}` without an ack. */
export function pongFrame(ack?: number): string {
  return ack === undefined ? '{"t":"pong"}' : `{"t":"pong","ack":${ack}}`;
}

/** Bytes of a `dataFrame` envelope around the data (it is ASCII: only the data needs a UTF-8 count). */
export function dataFrameOverhead(seq: number): number {
  let digits = 1;
  for (let n = seq; n >= 10; n = Math.floor(n / 10)) digits++;
  return 26 + digits;
}

/** `encode({t: 'msg', seq, data, re})`: the result of RPC call `re`, already serialised. */
export function replyFrame(seq: number, re: string, dataJson: string): string {
  return `{"t":"msg","seq":${seq},"data":${dataJson},"re":${JSON.stringify(re)}}`;
}

/** `encode({t: 'msg', seq, data: null, re, err})`: RPC call `re` failed with `errJson` (a serialised CallFailure). */
export function replyErrorFrame(seq: number, re: string, errJson: string): string {
  return `{"t":"msg","seq":${seq},"data":null,"re":${JSON.stringify(re)},"err":${errJson}}`;
}
