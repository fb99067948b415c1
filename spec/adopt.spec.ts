import { once } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Subject, takeUntil, interval } from 'rxjs';
import { WebSocketServer } from 'ws';
import { InvalidOptionError, type ServeOptions, drainingOf, drainingSignalOf, serve } from '../lib/index.js';
import { tryConnect } from './helpers/try-connect.js';
import { fakeTimers } from './support/fake-timers.js';
import { closeEverything, get, httpAgent, raw, signal, start } from './support/harness.js';

/** An app's own server: `/slow` answers when the spec says, anything else at once. */
function appServer(): { server: Server; slowArrived: Promise<void>; release: () => void } {
  const arrived = signal();
  const released = signal();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/slow') return void res.end('app answer');
    arrived.resolve();
    void released.promise.then(() => res.end('slow answer'));
  });
  return { server, slowArrived: arrived.promise, release: released.resolve };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
  await closeEverything();
});

describe('serve({ server, port }): a plain http.Server of the app, rxserve listening for it', () => {
  it('lets a request in flight at shutdown finish with 200 and Connection: close, closes idle ones at once, refuses new connects, and says how it went', async () => {
    const app = appServer();
    const served = await start({ server: app.server, deadline: 60_000 });
    const agent = httpAgent();
    const idle = await get(served.url, { agent, path: '/' });
    const slow = get(served.url, { agent: httpAgent(), path: '/slow' });
    await app.slowArrived;

    served.shutdown();
    await served.next('shutdown');
    const refused = await tryConnect(served.port);
    await new Promise((resolve) => (idle.socket.closed ? resolve(undefined) : idle.socket.once('close', resolve)));
    app.release();
    const answer = await slow;

    expect(idle.body).to.equal('app answer');
    expect(refused).to.equal('ECONNREFUSED');
    expect([answer.status, answer.headers.connection, answer.body]).to.deep.equal([200, 'close', 'slow answer']);
    expect(await served.closed).to.deep.include({ graceful: true, drained: 2, forced: 0 });
  });

  it('closes a connection that goes idle after the accept stop as its last response ends', async () => {
    const app = appServer();
    const served = await start({ server: app.server, deadline: 60_000 });
    const slow = get(served.url, { path: '/slow' });
    await app.slowArrived;

    served.shutdown();
    await served.next('shutdown');
    app.release();
    const answer = await slow;
    await new Promise((resolve) => (answer.socket.closed ? resolve(undefined) : answer.socket.once('close', resolve)));

    expect(await served.closed).to.deep.include({ graceful: true, drained: 1 });
  });

  it('forces and counts what is left at the deadline, and at once on a second signal', async () => {
    const clock = fakeTimers();
    try {
      const app = appServer();
      const served = await start({ server: app.server, deadline: 10_000 });
      get(served.url, { path: '/slow' }).catch(() => undefined);
      await app.slowArrived;
      served.shutdown();
      await served.next('shutdown');
      clock.tick(10_000);
      const overdue = await served.next('overdue');
      expect(overdue.connections.map((c) => c.requests.map((r) => r.url))).to.deep.equal([['/slow']]);
      expect(await served.closed).to.deep.include({ graceful: false, drained: 0, forced: 1 });
    } finally {
      clock.restore();
    }
    const app = appServer();
    const served = await start({ server: app.server, deadline: 60_000 });
    get(served.url, { path: '/slow' }).catch(() => undefined);
    await app.slowArrived;
    served.shutdown();
    served.shutdown();
    expect(await served.closed).to.deep.include({ graceful: false, forced: 1 });
  });

  it('is a hard stop when unsubscribed: the port is free at once', async () => {
    const app = appServer();
    const served = await start({ server: app.server });
    await get(served.url, { agent: httpAgent() });
    served.subscription.unsubscribe();
    expect(await tryConnect(served.port)).to.equal('ECONNREFUSED');
  });

  it('answers health and keeps Connection: close during drainDelay before the app sees the request, and the app\u2019s listener otherwise', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => (seen.push(req.url ?? ''), res.end('app')));
    const served = await start({ server, health: true, drainDelay: 30_000, deadline: 60_000 });
    const ready = await get(served.url, { path: '/readyz' });
    served.shutdown();
    await served.next('stopping');
    const [unready, work] = await Promise.all([get(served.url, { path: '/readyz' }), get(served.url, { path: '/work' })]);

    expect([ready.status, unready.status, unready.headers['retry-after']]).to.deep.equal([200, 503, '60']);
    expect([work.body, work.headers.connection]).to.deep.equal(['app', 'close']);
    expect(seen).to.deep.equal(['/work']);
  });

  it('gives the app\u2019s routes the drain signal, as drainingOf(req) and drainingSignalOf(req), so a stream ends cleanly', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const signalled = drainingSignalOf(req);
      interval(10)
        .pipe(takeUntil(drainingOf(req)))
        .subscribe({ next: (n) => res.write(`data: ${n}\n\n`), complete: () => res.end(`event: bye\ndata: ${signalled.aborted}\n\n`) });
    });
    const served = await start({ server, deadline: 60_000 });
    const client = await raw(served.port);
    client.socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.receive('data: 0');

    served.shutdown();
    const received = await client.closed;

    expect(received).to.include('event: bye\ndata: true');
    expect(await served.closed).to.deep.include({ graceful: true, forced: 0 });
  });
});

describe('drainingOf(req) for code rxserve does not call', () => {
  it('gives a route served through `listener` the drain signal too', async () => {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: hello\n\n');
      drainingOf(req).subscribe(() => res.end('event: bye\ndata: \n\n'));
    };
    const served = await start({ listener, deadline: 60_000 });
    const client = await raw(served.port);
    client.socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.receive('data: hello');

    served.shutdown();

    expect(await client.closed).to.include('event: bye');
    expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
  });

  it('never emits for a request rxserve does not serve', async () => {
    const server = createServer((req, res) => {
      let emitted = false;
      drainingOf(req).subscribe(() => (emitted = true));
      res.end(String(emitted || drainingSignalOf(req).aborted));
    });
    server.listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    const answer = await get(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(answer.body).to.equal('false');
  });
});

describe('serve({ server, idleGrace })', () => {
  it('answers a request that comes on an idle connection during the grace, with Connection: close, then closes it', async () => {
    const clock = fakeTimers();
    try {
      const served = await start({ server: createServer((req, res) => res.end('in the grace')), idleGrace: 1_000, deadline: 60_000 });
      const client = await raw(served.port);
      client.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.receive('in the grace');
      served.shutdown();
      await served.next('shutdown');
      client.socket.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
      const received = await client.closed;
      expect(received.match(/in the grace/g)).to.have.length(2);
      expect(received).to.match(/connection: close\r\n[\s\S]*in the grace$/i);
      expect(await served.closed).to.deep.include({ graceful: true, drained: 1 });
    } finally {
      clock.restore();
    }
  });
});

describe('serve({ server }) without port: the app\u2019s server listening by itself', () => {
  async function listening(server: Server): Promise<number> {
    servers.push(server);
    if (!server.listening) await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  it('adopts a server that listens already: listening at once, then the same drain', async () => {
    const app = appServer();
    app.server.listen(0, '127.0.0.1');
    const port = await listening(app.server);
    const served = await start({ server: app.server, deadline: 60_000 }, { listen: false });
    const slow = get(`http://127.0.0.1:${port}`, { path: '/slow' });
    await app.slowArrived;

    served.shutdown();
    await served.next('shutdown');
    const refused = await tryConnect(port);
    app.release();
    const answer = await slow;

    expect(served.port).to.equal(port);
    expect(refused).to.equal('ECONNREFUSED');
    expect([answer.status, answer.headers.connection]).to.deep.equal([200, 'close']);
    expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
  });

  it('adopts a server whose listen() is still binding, in the same tick: app.listen(); serve({ server })', async () => {
    const app = appServer();
    app.server.listen(0, '127.0.0.1');
    const started = start({ server: app.server, deadline: 60_000 }, { listen: false });
    const port = await listening(app.server);
    const served = await started;
    const answer = await get(`http://127.0.0.1:${port}`, { agent: httpAgent() });

    served.shutdown();

    expect([served.port, answer.body]).to.deep.equal([port, 'app answer']);
    expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
  });

  it('still closes a connection accepted before the subscription, once it is idle at the accept stop', async () => {
    const app = appServer();
    app.server.listen(0, '127.0.0.1');
    const port = await listening(app.server);
    const early = await get(`http://127.0.0.1:${port}`, { agent: httpAgent() });
    const served = await start({ server: app.server, deadline: 60_000 }, { listen: false });

    served.shutdown();
    await new Promise((resolve) => (early.socket.closed ? resolve(undefined) : early.socket.once('close', resolve)));

    expect(await served.closed).to.deep.include({ graceful: true, forced: 0 });
  });

  it('is a hard stop when unsubscribed: the port is free at once', async () => {
    const app = appServer();
    app.server.listen(0, '127.0.0.1');
    const port = await listening(app.server);
    const served = await start({ server: app.server }, { listen: false });
    served.subscription.unsubscribe();
    expect(await tryConnect(port)).to.equal('ECONNREFUSED');
  });
});

describe('serve({ server }) given what it cannot take', () => {
  const server = createServer();

  for (const [name, value] of [
    ['handler', () => ({})],
    ['listener', () => undefined],
    ['protocol', 'http2'],
    ['tls', { key: 'k', cert: 'c' }],
    ['websocket', (m$: unknown) => m$],
    ['http1', { keepAliveTimeout: 1 }],
  ] as const) {
    it(`throws naming \`${name}\` and \`server\` when both are given`, () => {
      expect(() => serve({ server, [name]: value } as ServeOptions))
        .to.throw(InvalidOptionError, new RegExp(`^Expected \`${name}\` to be absent when \`server\` is given`))
        .with.property('option', name);
    });
  }

  it('throws naming what it got for a server that is not one of the four', () => {
    expect(() => serve({ server: {} as never })).to.throw(
      InvalidOptionError,
      'Expected `server` to be a node `http.Server`, `https.Server`, `http2.Http2Server` or `http2.Http2SecureServer`, got an object (Object)',
    );
  });

  it('throws for `port` with a server that listens already', async () => {
    const listening = createServer();
    listening.listen(0, '127.0.0.1');
    servers.push(listening);
    await once(listening, 'listening');
    expect(() => serve({ server: listening, port: 0 })).to.throw(InvalidOptionError, /^Expected `port` to be absent when `server` listens already/);
  });

  it('throws naming a websocketServers entry that is not a ws server, or keeps no clients', () => {
    expect(() => serve({ server, websocketServers: [{} as never] })).to.throw(InvalidOptionError, /^Expected `websocketServers\[0\]` to be a ws `WebSocketServer`/);
    const untracked = new WebSocketServer({ noServer: true, clientTracking: false });
    expect(() => serve({ server, websocketServers: [untracked] })).to.throw(InvalidOptionError, /keeps its clients \(`clientTracking: true`/);
  });

  it('errors server$ with a ListenError when rxserve cannot bind for it', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    servers.push(taken);
    await once(taken, 'listening');
    const errors = new Subject<unknown>();
    const failed = new Promise((resolve) => errors.subscribe(resolve));
    serve({ server: createServer(), port: (taken.address() as AddressInfo).port, host: '127.0.0.1' }).subscribe({ error: (e) => errors.next(e) });
    expect(await failed).to.have.property('code', 'ERR_RXSERVE_LISTEN');
  });
});
