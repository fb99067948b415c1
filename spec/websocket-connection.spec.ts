import { once } from 'node:events';
import { expect } from 'chai';
import { NEVER, concat, fromEvent, map, merge, of, range, take, takeUntil, tap, throwError } from 'rxjs';
import sinon from 'sinon';
import WebSocket from 'ws';
import { closeEverything, closeOf, connected, messages, start, tcpHandlesLeft } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

const MiB = 1024 * 1024;

describe('WebSocketConnection', () => {
  afterEach(closeEverything);

  describe('the handler contract', () => {
    it('serves an echo server written in one line', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const ws = await connected(server.wsUrl);
      const got = messages(ws, 2);
      ws.send('hello');
      ws.send(Buffer.from([1, 2, 3]));
      expect(await got).to.deep.equal([
        ['hello', false],
        [Buffer.from([1, 2, 3]), true],
      ]);
    });

    it('gives the handler text frames as strings and binary frames as Buffers', async () => {
      const describeMessage = (m: string | Buffer): string =>
        typeof m === 'string' ? `string ${m}` : `${Buffer.isBuffer(m) ? 'Buffer' : 'other'} of ${m.length}`;
      const server = await start({ websocket: (messages$) => messages$.pipe(map(describeMessage)) });
      const ws = await connected(server.wsUrl);
      const got = messages(ws, 2);
      ws.send('hi');
      ws.send(new Uint8Array([9, 9, 9, 9]));
      expect((await got).map(([data]) => data)).to.deep.equal(['string hi', 'Buffer of 4']);
    });

    it('sends strings as text frames and bytes as binary frames, then closes with 1000 when the output completes', async () => {
      const server = await start({ websocket: () => of('text', new Uint8Array([1, 2])) });
      const ws = await connected(server.wsUrl);
      const got = messages(ws, 2);
      const closed = closeOf(ws);
      expect(await got).to.deep.equal([
        ['text', false],
        [Buffer.from([1, 2]), true],
      ]);
      expect((await closed).code).to.equal(1000);
    });

    it('closes with 1011 and reports an error event when the output errors', async () => {
      const server = await start({ websocket: () => throwError(() => new Error('boom')) });
      const ws = await connected(`${server.wsUrl}/room?x=1`);
      expect((await closeOf(ws)).code).to.equal(1011);
      const event = await server.next('error');
      expect(event.error.code).to.equal('ERR_RXSERVE_HANDLER');
      expect(event.error.message).to.contain('boom');
      expect(event.request).to.deep.equal({ method: 'GET', url: '/room?x=1' });
    });

    it('closes with 1011 when the handler throws instead of returning', async () => {
      const server = await start({
        websocket: () => {
          throw new Error('thrown');
        },
      });
      const ws = await connected(server.wsUrl);
      expect((await closeOf(ws)).code).to.equal(1011);
      expect((await server.next('error')).error.message).to.contain('thrown');
    });

    it('closes with 1011 when the output emits something that is neither a string nor bytes', async () => {
      const server = await start({ websocket: () => of({ not: 'bytes' }) as never });
      const ws = await connected(server.wsUrl);
      expect((await closeOf(ws)).code).to.equal(1011);
      expect((await server.next('error')).error.code).to.equal('ERR_RXSERVE_INVALID_REPLY');
    });

    it('gives every subscriber of messages$ each message, and none to one that has unsubscribed', async () => {
      const server = await start({
        websocket: (messages$) => merge(messages$.pipe(take(1), map((m) => `first ${m}`)), messages$.pipe(map((m) => `all ${m}`))),
      });
      const ws = await connected(server.wsUrl);
      const got = messages(ws, 3);
      ws.send('a');
      ws.send('b');
      expect((await got).map(([text]) => text)).to.deep.equal(['first a', 'all a', 'all b']);
    });

    it('completes messages$ when the peer closes', async () => {
      let completedOnServer!: () => void;
      const completed = new Promise<void>((resolve) => (completedOnServer = resolve));
      const server = await start({ websocket: (messages$) => messages$.pipe(tap({ complete: completedOnServer })) });
      const ws = await connected(server.wsUrl);
      ws.close(1000, 'done');
      await completed;
      expect((await closeOf(ws)).code).to.equal(1000);
    });

    it('gives the handler the ws socket and the upgrade request', async () => {
      let seen: { url?: string; isWebSocket?: boolean } = {};
      const server = await start({
        websocket: (_, ctx) => {
          seen = { url: ctx.request.url, isWebSocket: ctx.socket instanceof WebSocket };
          return of('ok');
        },
      });
      const ws = await connected(`${server.wsUrl}/path?q=1`);
      await closeOf(ws);
      expect(seen).to.deep.equal({ url: '/path?q=1', isWebSocket: true });
    });
  });

  describe('graceful shutdown', () => {
    it('sends every WebSocket 1001 Going Away and counts each drained when its closing handshake completes', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const clients = await Promise.all([1, 2, 3].map(() => connected(server.wsUrl)));
      const closes = clients.map(closeOf);
      server.shutdown();
      expect(await Promise.all(closes)).to.deep.equal(Array(3).fill({ code: 1001, reason: 'server going away' }));
      expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 3, forced: 0 });
      expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 3 });
    });

    it('emits ctx.draining$ before the close frame, so a goodbye still goes out', async () => {
      const server = await start({
        websocket: (messages$, ctx) => merge(messages$, ctx.draining$.pipe(map(() => 'goodbye'))),
      });
      const ws = await connected(server.wsUrl);
      const order: string[] = [];
      ws.on('message', (data) => order.push(`message ${data.toString()}`));
      ws.on('close', (code) => order.push(`close ${code}`));
      server.shutdown();
      await server.closed;
      if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
      expect(order).to.deep.equal(['message goodbye', 'close 1001']);
    });

    it('closes with the configured code and reason, such as 1012 Service Restart', async () => {
      const server = await start({
        websocket: { handler: (messages$) => messages$, shutdownCode: 1012, shutdownReason: 'Service Restart' },
      });
      const ws = await connected(server.wsUrl);
      const closed = closeOf(ws);
      server.shutdown();
      expect(await closed).to.deep.equal({ code: 1012, reason: 'Service Restart' });
    });

    it('closes with the shutdown code, not 1000, when the handler ends its output on draining$', async () => {
      const server = await start({ websocket: (messages$, ctx) => messages$.pipe(takeUntil(ctx.draining$)) });
      const ws = await connected(server.wsUrl);
      const closed = closeOf(ws);
      server.shutdown();
      expect((await closed).code).to.equal(1001);
      expect((await server.closed).graceful).to.equal(true);
    });
  });

  describe('a peer that never answers the close', () => {
    let clock: sinon.SinonFakeTimers | undefined;
    afterEach(() => clock?.restore());

    it('is destroyed at the deadline and counted as forced, even past ws\'s own 30 s close timeout, and no ws timer outlives it', async () => {
      clock = fakeTimers();
      const server = await start({ websocket: (messages$) => messages$, deadline: 60_000 });
      const ws = await connected(server.wsUrl);
      // A paused client reads nothing, so the close frame is never answered.
      ws.pause();
      const closed = once(ws, 'close');
      server.shutdown();
      await server.next('shutdown');
      clock.tick(59_999);
      expect(server.events.map((e) => e.type)).to.not.include('closed');
      clock.tick(1);
      expect(await server.closed).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 1 });
      ws.resume();
      await closed;
      await tcpHandlesLeft();
      expect(clock.countTimers()).to.equal(0);
    });
  });

  describe('a hard stop (unsubscribing from server$)', () => {
    it('terminates every WebSocket at once, without a close frame', async () => {
      const server = await start({ websocket: (messages$) => messages$ });
      const clients = await Promise.all([connected(server.wsUrl), connected(server.wsUrl)]);
      server.subscription.unsubscribe();
      expect((await Promise.all(clients.map(closeOf))).map((c) => c.code)).to.deep.equal([1006, 1006]);
    });
  });

  describe('a slow consumer', () => {
    // 64 MiB at once: far more than the kernel's socket buffers take, so it is the
    // policy, not the network, that decides what the server holds.
    const burst = () => range(0, 64).pipe(map(() => Buffer.alloc(MiB)));

    it("is closed with 1008 instead of being buffered for (websocket.onBufferFull: 'close')", async () => {
      let mostBuffered = 0;
      const server = await start({
        websocket: {
          handler: (_, ctx) => burst().pipe(tap(() => (mostBuffered = Math.max(mostBuffered, ctx.socket.bufferedAmount)))),
          maxBufferedAmount: 256 * 1024,
        },
      });
      const ws = await connected(server.wsUrl);
      let received = 0;
      ws.on('message', () => received++);
      expect(await closeOf(ws)).to.deep.equal({ code: 1008, reason: 'slow consumer' });
      expect(received).to.be.greaterThan(0).and.lessThan(64);
      expect(mostBuffered).to.be.at.most(256 * 1024 + MiB + 64);
    });

    it('stops a synchronous producer at its next emission once the close frame is out', async () => {
      let afterClose = 0;
      const server = await start({
        websocket: {
          handler: (_, ctx) =>
            range(0, 100_000).pipe(
              tap(() => ctx.socket.readyState !== WebSocket.OPEN && afterClose++),
              map(() => Buffer.alloc(1024)),
            ),
          maxBufferedAmount: 16 * 1024,
        },
      });
      const ws = await connected(server.wsUrl);
      expect((await closeOf(ws)).code).to.equal(1008);
      expect(afterClose).to.equal(1);
    });

    it("has the messages beyond the limit dropped and keeps the connection (websocket.onBufferFull: 'drop')", async () => {
      const server = await start({
        websocket: {
          handler: (_, ctx) => concat(burst(), fromEvent(ctx.request.socket, 'drain').pipe(take(1), map(() => 'drained')), NEVER),
          maxBufferedAmount: 256 * 1024,
          onBufferFull: 'drop',
        },
      });
      const ws = await connected(server.wsUrl);
      const binaries: Buffer[] = [];
      ws.on('message', (data: Buffer, isBinary) => isBinary && binaries.push(data));
      const text = await new Promise<string>((resolve) =>
        ws.on('message', (data: Buffer, isBinary) => !isBinary && resolve(data.toString())),
      );
      expect(text).to.equal('drained');
      expect(binaries.length).to.be.greaterThan(0).and.lessThan(64);
      expect(ws.readyState).to.equal(WebSocket.OPEN);
    });
  });
});
