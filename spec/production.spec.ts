import { expect } from 'chai';
import { Agent, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import sinon from 'sinon';
import { NEVER, Subject, concat, of, takeUntil } from 'rxjs';
import { WebSocket } from 'ws';
import type { Reply, ServerEvent } from '../lib/index.js';
import { NEXT_REQUEST_WAIT } from '../lib/protocols/http1.js';
import { get, tcpHandlesLeft, send, signal, start, type TestServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';


describe('serve in production (health endpoints, drainDelay, drain telemetry; end to end)', () => {
  let server: TestServer | undefined;
  let agent: Agent;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  describe('health endpoints', () => {
    it('answers readiness 200 while serving and 503 with Retry-After from the signal, liveness 200 throughout, before the handler', async () => {
      const shutdown$ = new Subject<void>();
      const handler = sinon.spy((): Reply => ({ body: 'app' }));
      server = await start({ handler, shutdown$, health: true, drainDelay: 5_000, deadline: 20_000 });
      const before = await Promise.all([get(server.url, { agent, path: '/readyz' }), get(server.url, { agent, path: '/livez' })]);
      expect(before.map((res) => res.status)).to.deep.equal([200, 200]);
      shutdown$.next();
      await server.next('stopping');
      const during = await Promise.all([
        get(server.url, { agent, path: '/readyz' }),
        get(server.url, { agent, path: '/livez?verbose' }),
        get(server.url, { agent, path: '/work' }),
      ]);
      expect(during.map((res) => res.status)).to.deep.equal([503, 200, 200]);
      expect(during[0]!.headers['retry-after'], 'the deadline in seconds').to.equal('20');
      expect(during[2]!.body, 'the app still serves during the delay').to.equal('app');
      expect(
        during.map((res) => res.headers.connection),
        'every answer, health included, asks keep-alive clients to reconnect (elsewhere)',
      ).to.deep.equal(['close', 'close', 'close']);
      expect(handler.callCount, 'health requests never reach the handler').to.equal(1);
      shutdown$.next();
      await server.next('closed');
    });

    it('refuses a WebSocket upgrade during drainDelay with 503 and Retry-After, instead of accepting it to close it at the accept stop', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'app' }), websocket: (m$) => m$, shutdown$, health: true, drainDelay: 5_000, deadline: 20_000 });
      shutdown$.next();
      await server.next('stopping');

      const ws = new WebSocket(server.url.replace('http', 'ws'));
      ws.on('error', () => undefined);
      const [, response] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
      response.resume();
      ws.terminate();

      expect(response.statusCode).to.equal(503);
      expect(response.headers['retry-after']).to.equal('1');
      expect(response.headers.connection).to.equal('close');
      shutdown$.next();
      expect(await server.next('closed')).to.deep.include({ graceful: true, forced: 0 });
    });

    it('serves the health endpoints on the configured paths only', async () => {
      server = await start({
        handler: () => ({ status: 404, body: 'not here' }),
        health: { readiness: '/health/ready', liveness: '/health/live', retryAfter: 3 },
      });
      const [ready, live, defaultPath] = await Promise.all(
        ['/health/ready', '/health/live', '/readyz'].map((path) => get(server!.url, { agent, path })),
      );
      expect([ready!.status, live!.status, defaultPath!.status]).to.deep.equal([200, 200, 404]);
      expect(ready!.body).to.equal('ready\n');
    });
  });

  describe('drainDelay (sinon fake timers)', () => {
    it('keeps accepting and serving for drainDelay after the signal, then stops accepts and drains', async () => {
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'served' }), shutdown$, health: true, drainDelay: 5_000, deadline: 10_000 });
      const port = server.port;
      shutdown$.next();
      await server.next('stopping');
      await clock.tickAsync(4_999);
      const fresh = new Agent({ keepAlive: false });
      const late = await get(server.url, { agent: fresh, path: '/late' });
      fresh.destroy();
      expect(late.body, 'a new connection 4999 ms after the signal is still served').to.equal('served');
      let shutdown: ServerEvent | undefined;
      void server.next('shutdown').then((event) => (shutdown = event));
      await clock.tickAsync(0);
      expect(shutdown, 'accepts go on until drainDelay').to.equal(undefined);
      await clock.tickAsync(1);
      expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 0 });
      const refused = connect(port, '127.0.0.1');
      const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).to.equal('ECONNREFUSED');
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 0, forced: 0 });
    });
  });

  describe('asking keep-alive clients to reconnect during drainDelay (sinon fake timers)', () => {
    it('asks the connections from before the signal and from its first half, not one accepted in its second half', async () => {
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'served' }), shutdown$, health: true, drainDelay: 4_000, deadline: 10_000 });
      const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
      const [before, firstHalf, secondHalf] = agents as [Agent, Agent, Agent];
      try {
        expect((await get(server.url, { agent: before })).headers.connection).to.equal('keep-alive');
        shutdown$.next();
        await server.next('stopping');
        await clock.tickAsync(1_000);
        expect((await get(server.url, { agent: firstHalf })).headers.connection, 'accepted 1 s into a 4 s drainDelay').to.equal('close');
        await clock.tickAsync(1_500);
        const late = await get(server.url, { agent: secondHalf });
        expect(late.headers.connection, 'accepted 2.5 s in: its peer ignores readiness').to.equal('keep-alive');
        expect((await get(server.url, { agent: before })).headers.connection, 'the connection from before the signal, 2.5 s in').to.equal('close');
        expect((await get(server.url, { agent: secondHalf })).headers.connection, 'the late one again, on the same connection').to.equal('keep-alive');
        await clock.tickAsync(1_500);
        expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 1 });
        expect(await server.next('closed'), 'the late connection, idle, closed at the accept stop').to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
      } finally {
        for (const a of agents) a.destroy();
      }
    });
    it(`keeps a connection accepted in its second half ${NEXT_REQUEST_WAIT} ms from its last response at the accept stop: its next request is answered with Connection: close`, async () => {
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'served' }), shutdown$, drainDelay: 4_000, deadline: 10_000 });
      const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
      const [busy, quiet] = agents as [Agent, Agent];
      try {
        shutdown$.next();
        await server.next('stopping');
        await clock.tickAsync(3_900);
        expect((await get(server.url, { agent: busy })).headers.connection).to.equal('keep-alive');
        expect((await get(server.url, { agent: quiet })).headers.connection).to.equal('keep-alive');
        await clock.tickAsync(100);
        expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 2 });
        let closed = false;
        const closing = server.next('closed').then((event) => ((closed = true), event));
        const next = await get(server.url, { agent: busy });
        expect([next.status, next.headers.connection], 'the request a busy client sends right after the accept stop').to.deep.equal([200, 'close']);
        await clock.tickAsync(NEXT_REQUEST_WAIT - 100 - 1);
        expect(closed, 'the quiet one is kept until the wait is over').to.equal(false);
        await clock.tickAsync(1);
        expect(await closing).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
      } finally {
        for (const a of agents) a.destroy();
      }
    });
  });

  describe('ctx.draining$ with a drainDelay (sinon fake timers)', () => {
    it('lets a stream run through the delay and ends it at the accept stop, when connections are told', async () => {
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      server = await start({
        handler: (_req, ctx) => ({ body: concat(of('first\n'), NEVER.pipe(takeUntil(ctx.draining$)), of('bye\n')) }),
        shutdown$,
        drainDelay: 2_000,
      });
      const req = send(server.url, { agent });
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      let body = '';
      const firstChunk = once(res, 'data');
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const ended = once(res, 'end');
      await firstChunk;
      shutdown$.next();
      await server.next('stopping');
      await clock.tickAsync(1_999);
      expect(body, 'still streaming during the delay').to.equal('first\n');
      expect(res.complete).to.equal(false);
      await clock.tickAsync(1);
      await ended;
      expect(body).to.equal('first\nbye\n');
      expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
    });
  });

  describe('drain telemetry', () => {
    it('reports the connections still open while draining, by protocol, once a turn and the last at once', async () => {
      const shutdown$ = new Subject<void>();
      const busy = signal();
      const release = new Subject<Reply>();
      server = await start({
        handler: (req) => (req.url === '/busy' ? (busy.resolve(), release) : { body: 'hi' }),
        shutdown$,
      });
      await get(server.url, { agent });
      // Its own agent: on `agent` it would reuse the idle connection.
      const answered = get(server.url, { agent: new Agent(), path: '/busy' });
      await busy.promise;
      shutdown$.next();
      expect(await server.next('remaining'), 'the idle connection closed').to.deep.equal({ type: 'remaining', open: 1, byProtocol: { http1: 1 } });
      release.next({ body: 'done' });
      release.complete();
      expect((await answered).body).to.equal('done');
      const events = await server.all();
      expect(events.filter((event) => event.type === 'remaining')).to.deep.equal([
        { type: 'remaining', open: 1, byProtocol: { http1: 1 } },
        { type: 'remaining', open: 0, byProtocol: {} },
      ]);
    });

    it('reports connections that close together as one remaining event', async () => {
      const shutdown$ = new Subject<void>();
      server = await start({ handler: () => ({ body: 'hi' }), shutdown$ });
      const [first, second] = await Promise.all([get(server.url, { agent }), get(server.url, { agent })]);
      expect(first.socket).not.to.equal(second.socket);
      shutdown$.next();
      const events = await server.all();
      expect(events.filter((event) => event.type === 'remaining')).to.deep.equal([{ type: 'remaining', open: 0, byProtocol: {} }]);
    });

    it('lists method, url and age of each request still in flight at the deadline, before closed', async () => {
      clock = fakeTimers();
      const shutdown$ = new Subject<void>();
      const handled = signal();
      server = await start({
        handler: (req) => (req.url === '/export.csv?year=2025' && handled.resolve(), new Subject<Reply>()),
        shutdown$,
        deadline: 10_000,
      });
      const req = send(server.url, { agent, path: '/export.csv?year=2025', method: 'POST' });
      req.on('error', () => undefined);
      await handled.promise;
      await clock.tickAsync(1_500);
      shutdown$.next();
      await clock.tickAsync(10_000);
      const events = await server.all();
      const overdue = events.find((event) => event.type === 'overdue');
      expect(overdue).to.deep.include({ type: 'overdue', reason: 'deadline' });
      const [connection] = overdue?.type === 'overdue' ? overdue.connections : [];
      expect(connection).to.deep.include({ protocol: 'http1', requests: [{ method: 'POST', url: '/export.csv?year=2025', age: 11_500 }] });
      expect(connection!.remote!.address).to.equal('127.0.0.1');
      expect(events.map((event) => event.type), 'listed before it is destroyed').to.deep.equal([
        'listening',
        'stopping',
        'shutdown',
        'overdue',
        'remaining',
        'closed',
      ]);
    });
  });
});
