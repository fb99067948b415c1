import { expect } from 'chai';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { Agent, get as httpsGet } from 'node:https';
import { Subject } from 'rxjs';
import { WebSocket } from 'ws';
import type { OverdueEvent, Reply } from '../lib/index.js';
import { certificate } from './support/certificates.js';
import { tcpHandlesLeft, signal, start, type TestServer } from './support/harness.js';

describe('drain telemetry across protocols (auto: HTTP/2 and a WebSocket on one port)', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('lists an HTTP/2 stream and a WebSocket still open when the close is forced', async () => {
    const shutdown$ = new Subject<void>();
    const handled = signal();
    server = await start({
      protocol: 'auto',
      handler: () => (handled.resolve(), new Subject<Reply>()),
      websocket: (messages$) => messages$,
      shutdown$,
    });
    const session = http2Connect(server.url);
    session.on('error', () => undefined);
    const stream = session.request({ ':path': '/report?year=2025' });
    stream.on('error', () => undefined);
    stream.end();
    await handled.promise;
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/chat`);
    ws.on('error', () => undefined);
    await once(ws, 'open');
    // A paused client reads nothing, so the close frame is never answered.
    ws.pause();
    shutdown$.next();
    await server.next('shutdown');
    shutdown$.next();
    const overdue: OverdueEvent = await server.next('overdue');
    expect(overdue.reason).to.equal('forced');
    const byProtocol = Object.fromEntries(overdue.connections.map((conn) => [conn.protocol, conn.requests.map(({ method, url }) => `${method} ${url}`)]));
    expect(byProtocol).to.deep.equal({ http2: ['GET /report?year=2025'], websocket: ['GET /chat'] });
    for (const conn of overdue.connections) {
      expect(conn.remote?.address).to.equal('127.0.0.1');
      expect(conn.requests[0]!.age).to.be.a('number').and.at.least(0);
    }
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 2 });
    ws.resume();
    ws.terminate();
    session.destroy();
  });
});

describe('drain telemetry counts each connection as what it speaks now', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('counts a WebSocket as websocket and an HTTP/2 session over TLS as http2, not as the tls connections they were accepted as', async () => {
    const { key, cert } = certificate();
    const shutdown$ = new Subject<void>();
    const handled = signal();
    server = await start({
      protocol: 'auto',
      tls: { key, cert },
      handler: (req) => (req.httpVersionMajor === 1 ? { body: 'idle after this' } : (handled.resolve(), new Subject<Reply>())),
      websocket: (messages$) => messages$,
      shutdown$,
    });
    // Its own TLS socket, to wait for its close: a session's `socket` is a proxy that
    // refuses listeners.
    const h2Socket = tlsConnect({ port: server.port, host: '127.0.0.1', ca: cert, servername: 'localhost', ALPNProtocols: ['h2'] });
    const session = http2Connect(server.url, { createConnection: () => h2Socket });
    session.on('error', () => undefined);
    const stream = session.request({ ':path': '/held' });
    stream.on('error', () => undefined);
    await handled.promise;
    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/chat`, { ca: cert });
    ws.on('error', () => undefined);
    // ws emits 'open' in the same turn as 'upgrade': both are listened to first.
    const opened = once(ws, 'open');
    const [upgrade] = (await once(ws, 'upgrade')) as [IncomingMessage];
    await opened;
    // A paused client reads nothing, so the close frame is never answered.
    ws.pause();
    // An idle HTTP/1.1 connection over TLS, closed at the accept stop: that close is what a
    // `remaining` event reports.
    const agent = new Agent({ ca: cert, keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      httpsGet(server!.url, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );

    shutdown$.next();

    const remaining = await server.next('remaining');
    agent.destroy();
    expect(remaining.byProtocol).to.deep.equal({ http2: 1, websocket: 1 });
    shutdown$.next();
    expect((await server.next('closed')).forced).to.equal(2);
    // The server destroyed both; their sockets (a paused WebSocket's says nothing) are let go.
    await Promise.all(
      [upgrade.socket, h2Socket].map((socket) => {
        const closed = socket.closed ? undefined : new Promise((resolve) => socket.once('close', resolve));
        socket.destroy();
        return closed;
      }),
    );
    session.destroy();
  });
});
