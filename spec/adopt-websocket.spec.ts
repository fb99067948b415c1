import { type IncomingMessage, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { expect } from 'chai';
import { WebSocketServer } from 'ws';
import { fakeTimers } from './support/fake-timers.js';
import { closeEverything, closeOf, connected, raw, start } from './support/harness.js';

describe('serve({ server, websocketServers }): the app\u2019s own WebSockets', () => {
  const wsServers: WebSocketServer[] = [];
  afterEach(async () => {
    await closeEverything();
    for (const wss of wsServers.splice(0)) wss.close();
  });

  /**
   * An app with two ws servers: `{ noServer: true }` on /feed, fed by its own upgrade
   * listener, and `{ noServer: true }` on /chat; or, with `attached`, one made `{ server }`
   * (which answers 400 to an upgrade to any other path, so it is alone on its server).
   */
  function app({ attached = false } = {}) {
    const server = createServer((req, res) => res.end('page'));
    const feed = new WebSocketServer({ noServer: true });
    const chat = attached ? new WebSocketServer({ server, path: '/chat' }) : new WebSocketServer({ noServer: true });
    wsServers.push(feed, chat);
    feed.on('connection', (ws) => ws.send('welcome to the feed'));
    chat.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
    if (!attached) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const wss = req.url === '/feed' ? feed : chat;
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
    }
    return { server, feed, chat };
  }

  it('closes every WebSocket of each entry with 1001 at the accept stop, counting each drained when its closing handshake completes', async () => {
    const { server, feed, chat } = app();
    const served = await start({ server, websocketServers: [feed, chat], deadline: 60_000 });
    const onFeed = await connected(`${served.wsUrl}/feed`);
    const onChat = await connected(`${served.wsUrl}/chat`);

    served.shutdown();
    const shutdown = await served.next('shutdown');

    expect(shutdown.open).to.equal(2);
    expect(await closeOf(onFeed)).to.deep.equal({ code: 1001, reason: 'server going away' });
    expect(await closeOf(onChat)).to.deep.equal({ code: 1001, reason: 'server going away' });
    expect(await served.closed).to.deep.include({ graceful: true, drained: 2, forced: 0 });
  });

  it('does the same for a ws server made with { server }, its upgrade listener moved behind rxserve’s', async () => {
    const { server, chat } = app({ attached: true });
    const served = await start({ server, websocketServers: [chat], deadline: 60_000 });
    const ws = await connected(`${served.wsUrl}/chat`);

    served.shutdown();

    expect(await closeOf(ws)).to.deep.equal({ code: 1001, reason: 'server going away' });
    expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
  });

  it('counts them as websocket while they drain', async () => {
    const { server, feed, chat } = app();
    const served = await start({ server, websocketServers: [feed, chat], deadline: 60_000 });
    const ws = await connected(`${served.wsUrl}/chat`);
    ws.pause(); // it never answers the close frame
    await connected(`${served.wsUrl}/feed`);

    served.shutdown();

    expect((await served.next('remaining')).byProtocol).to.deep.equal({ websocket: 1 });
    served.shutdown();
    ws.resume();
  });

  it('destroys a WebSocket that never answers the close at the deadline, and counts it forced', async () => {
    const clock = fakeTimers();
    try {
      const { server, feed, chat } = app();
      const served = await start({ server, websocketServers: [feed, chat], deadline: 10_000 });
      const ws = await connected(`${served.wsUrl}/chat`);
      ws.pause();
      served.shutdown();
      await served.next('shutdown');
      clock.tick(10_000);
      const overdue = await served.next('overdue');
      expect(overdue.connections.map((c) => [c.protocol, c.requests[0]?.url])).to.deep.equal([['websocket', '/chat']]);
      expect(await served.closed).to.deep.include({ graceful: false, drained: 0, forced: 1 });
      ws.resume();
    } finally {
      clock.restore();
    }
  });

  it('watches an upgraded socket of a protocol it does not know: counted, listed, destroyed at the deadline', async () => {
    const clock = fakeTimers();
    try {
      const server = createServer();
      server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: custom\r\nConnection: Upgrade\r\n\r\n');
      });
      const served = await start({ server, deadline: 10_000 });
      const client = await raw(served.port);
      client.socket.write('GET /tunnel HTTP/1.1\r\nHost: x\r\nUpgrade: custom\r\nConnection: Upgrade\r\n\r\n');
      await client.receive('101 Switching Protocols');
      served.shutdown();
      await served.next('shutdown');
      clock.tick(10_000);
      const overdue = await served.next('overdue');
      expect(overdue.connections.map((c) => [c.protocol, c.requests[0]?.url])).to.deep.equal([['upgraded', '/tunnel']]);
      expect(await served.closed).to.deep.include({ graceful: false, forced: 1 });
      await client.closed;
    } finally {
      clock.restore();
    }
  });

  it('refuses an upgrade with 503 and Retry-After once stopping, before the app sees it', async () => {
    const { server, feed, chat } = app();
    let upgrades = 0;
    server.on('upgrade', () => upgrades++);
    const served = await start({ server, websocketServers: [feed, chat], drainDelay: 30_000, deadline: 60_000 });
    served.shutdown();
    await served.next('stopping');

    const client = await raw(served.port);
    client.socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');

    const received = await client.closed;
    expect(received).to.match(/^HTTP\/1.1 503 /);
    expect(received).to.include('Retry-After: 1');
    expect(upgrades).to.equal(0);
  });
});
