// Why links end and why the client stops: goaway substitution for lost close frames, and the mapping of closes to LifelineError.

import { CloseCode, closeCodeInfo, type GoAwayMessage } from '@lifeline/protocol';
import { LifelineError } from './errors.js';
import type { CloseInfo } from './events.js';

/**
 * Remembers the `goaway` of the current link and the last close, so a close whose frame was lost
 * (1006, 1005) is reported with the code the server announced, and a give-up names the close that
 * caused it.
 */
export class Closes {
  private goaway: { code: number; reason: string } | undefined;
  private last: { code: number; reason: string } | undefined;

  /** A new link: an earlier goaway no longer explains anything. */
  opened(): void {
    this.goaway = undefined;
  }

  /** The server announced the close that follows. */
  announced(m: GoAwayMessage): void {
    this.goaway = { code: m.code, reason: m.reason };
  }

  /** A link closed: what to report (a goaway names the real reason when the close frame itself was lost). */
  closed(event: CloseInfo): CloseInfo {
    const goaway = this.goaway;
    this.goaway = undefined;
    const lostFrame = event.code === CloseCode.Abnormal || event.code === CloseCode.NoStatus;
    const code = goaway && lostFrame ? goaway.code : event.code;
    const reason = goaway && lostFrame ? goaway.reason : event.reason;
    this.last = { code, reason };
    return { code, reason, wasClean: event.wasClean };
  }

  /** The error a give-up rejects pending sends with: `unauthorized` after 4001/4003, else `gave-up`. */
  gaveUp(reason: string): LifelineError {
    const closeCode = this.last?.code;
    const name = closeCode === undefined ? undefined : closeCodeInfo(closeCode)?.name;
    const said = this.last?.reason ? `: ${this.last.reason}` : '';
    const what = reason === 'max-attempts' || closeCode === undefined ? reason : `close code ${closeCode}${name ? ` (${name})` : ''}${said}`;
    if (closeCode === CloseCode.Unauthorized || closeCode === CloseCode.Forbidden) {
      return new LifelineError('unauthorized', `the server refused the credentials: ${what}`, { closeCode });
    }
    return new LifelineError('gave-up', `stopped reconnecting: ${what}`, { closeCode });
  }
}
