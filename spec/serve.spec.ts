import { expect } from 'chai';
import { Agent, type IncomingMessage } from 'node:http';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import sinon from 'sinon';
import { TestScheduler } from 'rxjs/testing';
import { Subject, defer, from, map, timer } from 'rxjs';
import type { Handler, Reply, ServerEvent } from '../lib/index.js';
import { closed, get, tcpHandlesLeft, send, signal, start, type TestServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

describe('serve (HTTP/1.1, end to end)', () => {
  let server: TestServer | undefined;
  let agent: Agent;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  describe('serving', () => {
    it('emits listening first, with the address and an http:// url', async () => {
      server = await start({ handler: () => ({ body: 'hi' }) });
      const first = await new Promise<ServerEvent>((resolve) => server!.events$.subscribe(resolve).unsubscribe());
      expect(first.type).to.equal('listening');
      expect(server.url).to.equal(`http://127.0.0.1:${server.port}`);
      expect(server.port).to.be.greaterThan(0);
    });

    const replies: Array<[string, Handler]> = [
      ['a Reply object', () => ({ body: 'Hello World!' })],
      ['a Promise of a Reply', () => Promise.resolve({ body: 'Hello World!' })],
      ['an Observable of a Reply', () => timer(1).pipe(map(() => ({ body: 'Hello World!' })))],
      ['a Uint8Array body', () => ({ body: new TextEncoder().encode('Hello World!') })],
      ['an Observable body of chunks', () => ({ body: from(['Hello', ' ', new TextEncoder().encode('World!')]) })],
    ];
    for (const [shape, handler] of replies) {
      it(`answers a GET with the handler's reply given as ${shape}, status 200 by default`, async () => {
        server = await start({ handler });
        const res = await get(server.url, { agent });
        expect(res.status).to.equal(200);
        expect(res.body).to.equal('Hello World!');
      });
    }

    it('sends the status and headers of the reply', async () => {
      server = await start({ handler: () => ({ status: 201, headers: { 'x-made-by': 'rxserve' }, body: '' }) });
      const res = await get(server.url, { agent });
      expect(res.status).to.equal(201);
      expect(res.headers['x-made-by']).to.equal('rxserve');
    });

    it('answers 500 to a handler that throws, reports an error event, and keeps serving', async () => {
      server = await start({
        handler: (req) => {
          if (req.url === '/boom') throw new Error('secret detail');
          return { body: 'fine' };
        },
      });
      const failed = await get(server.url, { agent, path: '/boom' });
      expect(failed.status).to.equal(500);
      expect(failed.body).not.to.contain('secret detail');
      const error = await server.next('error');
      expect(error.error.code).to.equal('ERR_RXSERVE_HANDLER');
      expect(error.request).to.deep.equal({ method: 'GET', url: '/boom' });
      expect((await get(server.url, { agent })).body).to.equal('fine');
    });

    it('answers 400 to garbage on the socket, reports it, and keeps serving', async () => {
      server = await start({ handler: () => ({ body: 'fine' }) });
      const socket = connect(server.port, '127.0.0.1');
      socket.end('THIS IS NOT HTTP\r\n\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'close');
      expect(Buffer.concat(chunks).toString()).to.match(/^HTTP\/1\.1 400 Bad Request/);
      const error = await server.next('error');
      expect(error.error.code).to.equal('ERR_RXSERVE_CLIENT');
      expect((await get(server.url, { agent })).body).to.equal('fine');
    });
  });

  describe('graceful shutdown', () => {
    it('emits shutdown with the open count, refuses new connects at once, and closes idle keep-alive connections', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'hi' }), shutdown$ });
      const [first, second] = await Promise.all([get(server.url, { agent }), get(server.url, { agent })]);
      expect(first.socket).not.to.equal(second.socket);
      shutdown$.next();
      expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 2 });
      const refused = connect(server.port, '127.0.0.1');
      const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
      expect(error.code, 'a new connect is refused, not accepted then reset').to.equal('ECONNREFUSED');
      await Promise.all([closed(first.socket), closed(second.socket)]);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
    });

    it('says closed as it destroys the idle connections, once the loop has polled them, not after their close events', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'hi' }), shutdown$ });
      const [first, second] = await Promise.all([get(server.url, { agent }), get(server.url, { agent })]);
      const seen: string[] = [];
      server.events$.subscribe((event) => seen.push(event.type));
      shutdown$.next();
      expect(seen.slice(1), 'a request the kernel holds is read first').to.deep.equal(['stopping', 'shutdown']);
      // Two checks of the loop, a poll between them: where rxserve destroys them.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      expect(seen.slice(1), 'in the turn it destroys them, as node counts a destroyed socket closed').to.deep.equal(['stopping', 'shutdown', 'remaining', 'closed']);
      await Promise.all([closed(first.socket), closed(second.socket)]);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
    });

    it('closes a connection that has sent nothing yet at once', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'hi' }), shutdown$ });
      const socket = connect(server.port, '127.0.0.1');
      await once(socket, 'connect');
      // The server has accepted it once a request on another connection is answered.
      await get(server.url, { agent });
      shutdown$.next();
      expect((await server.next('shutdown')).open).to.equal(2);
      await closed(socket);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
    });

    it('lets a request in flight finish with 200 and Connection: close, then closes its connection', async () => {
      const shutdown$ = new Subject<void>();
      const reply = new Subject<Reply>();
      const handled = signal();
      server = await start({ handler: () => (handled.resolve(), reply), shutdown$ });
      const response = get(server.url, { agent, path: '/slow' });
      await handled.promise;
      shutdown$.next();
      expect((await server.next('shutdown')).open).to.equal(1);
      reply.next({ body: 'done' });
      const res = await response;
      expect(res.status).to.equal(200);
      expect(res.body).to.equal('done');
      expect(res.headers.connection).to.equal('close');
      await closed(res.socket);
      const events = await server.all();
      expect(events.at(-1)).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
    });

    it('closes a connection whose response head went out before shutdown as soon as it finishes (not at keepAliveTimeout)', async function () {
      // node's own server.close() leaves this connection open until keepAliveTimeout (5 s).
      this.timeout(3000);
      const shutdown$ = new Subject<void>();
      const body = new Subject<string>();
      server = await start({ handler: () => ({ body }), shutdown$ });
      const req = send(server.url, { agent });
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      const socket = res.socket;
      shutdown$.next();
      await server.next('shutdown');
      body.next('last words');
      body.complete();
      res.resume();
      await once(res, 'end');
      expect(res.headers.connection).to.equal('keep-alive');
      await closed(socket);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
    });

    it('completes server$ right after closed, which is the last event', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'hi' }), shutdown$ });
      await get(server.url, { agent });
      shutdown$.next();
      const events = await server.all();
      expect(events.map((event) => event.type)).to.deep.equal(['listening', 'stopping', 'shutdown', 'remaining', 'closed']);
      expect(server.subscription.closed).to.equal(true);
    });

    it('changes nothing when shutdown$ completes without emitting', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'still here' }), shutdown$ });
      shutdown$.complete();
      expect((await get(server.url, { agent })).body).to.equal('still here');
    });

    it('forces the close at once on a second shutdown$ emission', async () => {
      const shutdown$ = new Subject<void>();
      const handled = signal();
      server = await start({ handler: () => defer(() => (handled.resolve(), new Subject<Reply>())), shutdown$ });
      const req = send(server.url, { agent });
      const failed = once(req, 'error');
      await handled.promise;
      shutdown$.next();
      await server.next('shutdown');
      shutdown$.next();
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 1 });
      const [error] = (await failed) as [NodeJS.ErrnoException];
      expect(error.code).to.equal('ECONNRESET');
    });
  });

  describe('deadline (sinon fake timers)', () => {
    let clock: sinon.SinonFakeTimers | undefined;

    afterEach(() => clock?.restore());

    it('forces a handler that never answers closed at the deadline, and says so', async () => {
      // Only timers are faked: faking nextTick or queueMicrotask would stall real sockets.
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      const handled = signal();
      server = await start({
        handler: () => (handled.resolve(), new Subject<Reply>()),
        shutdown$,
        deadline: 10_000,
      });
      const req = send(server.url, { agent });
      const failed = once(req, 'error');
      const socketClosed = new Promise<void>((resolve) => req.on('socket', (socket) => socket.once('close', () => resolve())));
      await handled.promise;
      shutdown$.next();
      await server.next('shutdown');
      await clock.tickAsync(9_999);
      let closedEvent: ServerEvent | undefined;
      void server.next('closed').then((event) => (closedEvent = event));
      await clock.tickAsync(0);
      expect(closedEvent, 'nothing is forced before the deadline').to.equal(undefined);
      await clock.tickAsync(1);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 1 });
      await socketClosed;
      expect(((await failed) as [NodeJS.ErrnoException])[0].code).to.equal('ECONNRESET');
    });
  });

  describe('deadline (TestScheduler as the scheduler option)', () => {
    it('times the deadline on the given scheduler', async () => {
      const testScheduler = new TestScheduler(() => undefined);
      testScheduler.maxFrames = Infinity;
      const shutdown$ = new Subject<void>();
      const handled = signal();
      server = await start({
        handler: () => (handled.resolve(), new Subject<Reply>()),
        shutdown$,
        deadline: 5_000,
        scheduler: testScheduler,
      });
      const req = send(server.url, { agent });
      req.on('error', () => undefined);
      await handled.promise;
      shutdown$.next();
      await server.next('shutdown');
      testScheduler.flush();
      expect(testScheduler.now(), 'virtual time ran to the deadline').to.equal(5_000);
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 1 });
    });
  });

  describe('hard stop', () => {
    it('frees the port at once and closes client sockets when unsubscribed', async () => {
      server = await start({ handler: () => new Subject<Reply>() });
      const req = send(server.url, { agent });
      req.on('error', () => undefined);
      const [socket] = await once(req, 'socket');
      await once(socket, 'connect');
      server.subscription.unsubscribe();
      const again = createServer();
      again.listen(server.port, '127.0.0.1');
      await once(again, 'listening');
      again.close();
      await closed(socket);
    });
  });
});
