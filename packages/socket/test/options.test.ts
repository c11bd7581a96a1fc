// Unknown option names are refused with the name and what to use, foreign libraries' names included.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOREIGN_OPTIONS, type LifelineSocketOptions } from '@lifeline/socket';
import { setup } from './harness.js';

const refused = (options: Record<string, unknown>, pattern: RegExp) => {
  assert.throws(() => setup(options as LifelineSocketOptions), (e: unknown) => e instanceof TypeError && pattern.test(e.message), pattern.source);
};

describe('unknown options', () => {
  it("refuses reconnecting-websocket's and partysocket's names, saying what to use instead", () => {
    const expected: Record<string, RegExp> = {
      maxRetries: /unknown option 'maxRetries': use maxAttempts/,
      connectionTimeout: /unknown option 'connectionTimeout': use connectTimeout/,
      maxEnqueuedMessages: /unknown option 'maxEnqueuedMessages': use outbox: \{ maxMessages \}/,
      minReconnectionDelay: /unknown option 'minReconnectionDelay': use backoff: \{ base \}/,
      maxReconnectionDelay: /unknown option 'maxReconnectionDelay': use backoff: \{ cap \}/,
      reconnectionDelayGrowFactor: /unknown option 'reconnectionDelayGrowFactor': .*no growth factor.*backoff/,
      startClosed: /unknown option 'startClosed': there is no equivalent/,
      debug: /unknown option 'debug': there is no equivalent/,
    };
    assert.deepEqual(Object.keys(expected).sort(), Object.keys(FOREIGN_OPTIONS).filter((k) => k !== 'debugLogger').sort());
    for (const [name, pattern] of Object.entries(expected)) refused({ [name]: 1 }, pattern);
  });

  it('accepts the names the libraries share with Lifeline (WebSocket, minUptime)', () => {
    const { socket } = setup({ minUptime: 5_000 });
    assert.equal(socket.state, 'connecting');
  });

  it('refuses a misspelt name, suggesting the near one, at every level', () => {
    refused({ maxAttempt: 3 }, /unknown option 'maxAttempt': did you mean 'maxAttempts'\?/);
    refused({ heartbeat: { intervall: 1_000 } }, /unknown option 'heartbeat.intervall': did you mean 'interval'\?/);
    refused({ outbox: { maxMessage: 1 } }, /unknown option 'outbox.maxMessage': did you mean 'maxMessages'\?/);
    refused({ backoff: { max: 1 } }, /unknown option 'backoff.max': did you mean 'cap'\?|known backoff options: base, cap, refusedCap/);
    refused({ whatever: true }, /unknown option 'whatever': known options: WebSocket, clock/);
  });

  it('refuses an unknown heartbeat name in setHeartbeat() too, and non-object option groups', () => {
    const { socket } = setup();
    assert.throws(() => socket.setHeartbeat({ pingInterval: 5 } as never), /unknown option 'heartbeat.pingInterval'/);
    refused({ outbox: 5 }, /outbox must be an object/);
    refused({ backoff: 'fast' }, /backoff must be an object/);
  });
});
