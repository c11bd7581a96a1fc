// Probes: what asks for proof of life now (probe(), environment signals), and how an outstanding probe is not repeated.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSocket } from './harness.js';

const I = 20_000; // heartbeat interval
const T = 10_000; // heartbeat timeout

describe('outstanding probes', () => {
  it('a second probe before any answer sends no second ping and keeps the first deadline', () => {
    const { socket, clock, link } = openSocket({ maxMissed: 3 });
    let probes = 0;
    socket.on('probe', () => probes++);
    socket.probe();
    const probedAt = clock.now();
    clock.advance(2_000);
    socket.probe();
    assert.deepEqual(link.sentText, ['ping'], 'one ping for both probes');
    assert.equal(probes, 1, 'one probe event');
    clock.advance(probedAt + T - 1 - clock.now());
    assert.equal(socket.state, 'open');
    clock.advance(1);
    assert.equal(socket.state, 'reconnecting', 'dead at the first probe + timeout');
  });

  it('after an answer, the next probe pings again', () => {
    const { socket, clock, link } = openSocket({ maxMissed: 3 });
    socket.probe();
    clock.advance(30);
    link.receive('pong');
    socket.probe();
    assert.deepEqual(link.sentText, ['ping', 'ping']);
  });
});

describe('probe triggers', () => {
  for (const signal of ['visible', 'resume', 'offline', 'online'] as const) {
    it(`'${signal}' while open probes the link`, () => {
      const { socket, clock, link, environment } = openSocket();
      clock.advance(1000);
      environment.emit(signal);
      assert.deepEqual(link.sentText, ['ping']);
      clock.advance(T);
      assert.equal(socket.state, signal === 'offline' ? 'offline' : 'reconnecting');
    });
  }

  it("'hidden' does nothing", () => {
    const { clock, link, environment } = openSocket();
    clock.advance(1000);
    environment.emit('hidden');
    assert.equal(link.sent.length, 0);
  });

  it('in passive mode a probe only checks the deadline', () => {
    const { socket, clock, link } = openSocket({ mode: 'passive' });
    clock.advance(1000);
    socket.probe();
    assert.equal(link.sent.length, 0);
    clock.jump(I + T);
    socket.probe();
    assert.equal(socket.state, 'reconnecting');
  });
});

describe('passive mode with probe', () => {
  it('sends the ping only on a probe and requires the pong within the timeout', () => {
    const { socket, clock, link } = openSocket({ mode: 'passive', probe: true, message: 'are-you-there', pong: 'here' });
    clock.advance(I - 1);
    assert.equal(link.sent.length, 0, 'no scheduled pings: the peer drives the heartbeat');
    socket.probe();
    assert.deepEqual(link.sentText, ['are-you-there']);
    clock.advance(T - 1);
    link.receive('here');
    assert.equal(socket.state, 'open');
    socket.probe();
    clock.advance(T);
    assert.equal(socket.state, 'reconnecting', 'an unanswered probe ends the link at now + timeout');
  });

  it('rejects a non-boolean probe option', () => {
    assert.throws(() => openSocket({ mode: 'passive', probe: 'yes' as unknown as boolean }), TypeError);
  });
});
