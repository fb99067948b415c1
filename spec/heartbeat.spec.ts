import { once } from 'node:events';
import { expect } from 'chai';
import sinon from 'sinon';
import WebSocket from 'ws';
import { closeEverything, closeOf, connected, messages, start } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

describe('Heartbeat', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    // Timers only: real sockets need the real nextTick and microtasks.
    clock = fakeTimers();
  });
  afterEach(async () => {
    clock.restore();
    await closeEverything();
  });

  it('pings at every interval and keeps a peer that answers with pongs', async () => {
    const server = await start({ websocket: { handler: (messages$) => messages$, heartbeat: 30_000 } });
    const ws = await connected(server.wsUrl);
    let pings = 0;
    ws.on('ping', () => pings++);
    for (const round of [1, 2, 3]) {
      clock.tick(30_000);
      await once(ws, 'ping');
      // The client's pong went out before its 'ping' event; an echo round trip behind it
      // proves the server has read the pong before the next tick.
      ws.send(`round ${round}`);
      await messages(ws, round);
    }
    expect(pings).to.equal(3);
    expect(ws.readyState).to.equal(WebSocket.OPEN);
  });

  it('terminates a peer that has not answered the previous ping by the next tick', async () => {
    const server = await start({ websocket: { handler: (messages$) => messages$, heartbeat: 30_000 } });
    const ws = await connected(server.wsUrl, { autoPong: false });
    clock.tick(30_000);
    await once(ws, 'ping');
    expect(ws.readyState).to.equal(WebSocket.OPEN);
    clock.tick(30_000);
    expect((await closeOf(ws)).code).to.equal(1006);
  });

  it('runs its timer only while a WebSocket is open', async () => {
    const server = await start({ websocket: { handler: (messages$) => messages$, heartbeat: 30_000 } });
    expect(clock.countTimers()).to.equal(0);
    const ws = await connected(server.wsUrl);
    expect(clock.countTimers()).to.equal(1);
    ws.close();
    await closeOf(ws);
    server.shutdown();
    await server.closed;
    expect(clock.countTimers()).to.equal(0);
  });

  it('pings nobody when websocket.heartbeat is not set', async () => {
    const server = await start({ websocket: (messages$) => messages$ });
    await connected(server.wsUrl);
    expect(clock.countTimers()).to.equal(0);
  });
});
