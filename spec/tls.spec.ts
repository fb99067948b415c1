import { type IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { type Socket, connect as netConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { expect } from 'chai';
import { Subject, firstValueFrom, toArray } from 'rxjs';
import { MAX_STREAM_ID } from '../lib/protocols/http2.js';
import { type ServerEvent, TlsError, serve } from '../lib/index.js';
import type { ServeOptions } from '../lib/options.js';
import { certificate } from './support/certificates.js';
import { H2Clients, request } from './support/h2-client.js';
import { heldReply } from './support/held-reply.js';
import { type TestServer, closed, tcpHandlesLeft, start as startServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

describe('tlsProtocol', () => {
  const { key, cert } = certificate();
  let server: TestServer | undefined;
  let shutdown$: Subject<void>;
  let agent: Agent;
  let clients: H2Clients;
  let sockets: Socket[];

  beforeEach(() => {
    shutdown$ = new Subject();
    agent = new Agent({ ca: cert, keepAlive: true });
    clients = new H2Clients();
    sockets = [];
  });

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    await clients.closeAll();
    for (const socket of sockets) socket.destroy();
    await Promise.all(sockets.map(closed));
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  const start = async (options: Partial<ServeOptions> = {}): Promise<TestServer> =>
    (server = await startServer({
      handler: (req) => ({ body: `hello over ${req.httpVersion}` }),
      tls: { key, cert },
      shutdown$,
      ...options,
    }));

  const get = (url: string, path = '/'): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(path, url), { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  /** A TLS client socket, remembered for afterEach. */
  const tlsClient = (port: number, options: { ALPNProtocols?: string[]; ca?: Buffer } = {}): TLSSocket => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  };

  describe('serving', () => {
    it('serves HTTPS over HTTP/1.1 and announces an https:// url', async () => {
      const { url } = await start();

      const response = await get(url);

      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(response).to.include({ status: 200, body: 'hello over 1.1' });
    });

    it('serves h2 negotiated with ALPN when protocol is http2', async () => {
      const { url } = await start({ protocol: 'http2' });
      const session = await clients.connect(url, { ca: cert });

      const response = await request(session, '/');

      expect(session.alpnProtocol).to.equal('h2');
      expect(response).to.include({ status: 200, body: 'hello over 2.0' });
    });

    it('offers only http/1.1 with ALPN when protocol is http1', async () => {
      const { port } = await start({ protocol: 'http1' });
      const socket = tlsClient(port, { ca: cert, ALPNProtocols: ['h2', 'http/1.1'] });

      await new Promise((resolve) => socket.once('secureConnect', resolve));

      expect(socket.alpnProtocol).to.equal('http/1.1');
    });
  });

  describe('graceful shutdown', () => {
    it('drains an h2 session over TLS with GOAWAY(2^31-1), PING, then GOAWAY(last stream id)', async () => {
      const held = heldReply('finished');
      server = await start({ protocol: 'http2', handler: held.handler });
      const session = await clients.connect(server.url, { ca: cert });
      const goaways: Array<[number, number]> = [];
      session.on('goaway', (code: number, last: number) => goaways.push([code, last]));
      const firstGoaway = new Promise((resolve) => session.once('goaway', resolve));
      const response = request(session, '/');
      await held.arrived;

      shutdown$.next();
      await firstGoaway;
      held.release();

      expect((await response).body).to.equal('finished');
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      expect(goaways.slice(0, 2)).to.deep.equal([
        [0, MAX_STREAM_ID],
        [0, 1],
      ]);
    });

    it('finishes an in-flight HTTPS/1.1 response with Connection: close, then closes', async () => {
      const held = heldReply('finished');
      server = await start({ handler: held.handler });
      const response = get(server.url);
      await held.arrived;

      shutdown$.next();
      held.release();

      expect(await response).to.deep.include({ body: 'finished' });
      expect((await response).headers.connection).to.equal('close');
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('closes at once an HTTPS connection that finished its handshake but sent no request', async () => {
      server = await start();
      const socket = tlsClient(server.port, { ca: cert });
      await new Promise((resolve) => socket.once('secureConnect', resolve));

      shutdown$.next();

      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      await closed(socket);
    });

    it('closes at once a connection still in its TLS handshake', async () => {
      server = await start();
      const socket = netConnect(server.port, '127.0.0.1');
      sockets.push(socket);
      // Destroyed with bytes unread, the server's socket answers with a reset.
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a ClientHello record
      // Accepts are in order: once a later connection is served, this one was accepted.
      await get(server.url);

      shutdown$.next();

      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 2, forced: 0 });
      await closed(socket);
    });
  });

  describe('keys and certificates', () => {
    it('errors server$ with ERR_RXSERVE_TLS, before listening, when the key does not match the certificate', async () => {
      const other = certificate('other');

      const events = firstValueFrom(serve({ handler: () => ({}), port: 0, tls: { key: other.key, cert } }).pipe(toArray()));

      const error = await events.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).to.be.instanceOf(TlsError);
      expect((error as TlsError).code).to.equal('ERR_RXSERVE_TLS');
      expect((error as TlsError).message).to.match(/^Cannot load the `tls` key or certificate: .*key values mismatch/);
    });

    it('errors server$ with ERR_RXSERVE_TLS when the certificate is not PEM', async () => {
      const events = firstValueFrom(
        serve({ handler: () => ({}), port: 0, tls: { key, cert: 'not a certificate' } }).pipe(toArray()),
      );

      const error = await events.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect((error as TlsError).code).to.equal('ERR_RXSERVE_TLS');
      expect((error as TlsError).message).to.contain('Cannot load the `tls` key or certificate');
    });
  });

  describe('bad input', () => {
    it('reports plain HTTP sent to the TLS port as an error event, closes it, and keeps serving', async () => {
      server = await start();
      const socket = netConnect(server.port, '127.0.0.1');
      sockets.push(socket);
      socket.resume();

      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const event = await server.next('error');
      await closed(socket);

      expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
      expect((event.error.cause as NodeJS.ErrnoException).code).to.equal('ERR_SSL_HTTP_REQUEST');
      expect(event.remote?.address).to.equal('127.0.0.1');
      expect((await get(server.url)).body).to.equal('hello over 1.1');
    });

    it('keeps serving after a client that does not trust the certificate aborts the handshake', async () => {
      const { url, port } = await start();
      const socket = tlsClient(port); // no `ca`: the self-signed certificate is rejected
      const failed = new Promise<Error>((resolve) => socket.once('error', resolve));

      expect((await failed).message).to.match(/self[- ]signed/);
      expect((await get(url)).body).to.equal('hello over 1.1');
    });

    it('fails the handshake of a client whose ALPN offers nothing served', async () => {
      const { url, port } = await start({ protocol: 'http2' });
      const socket = tlsClient(port, { ca: cert, ALPNProtocols: ['http/1.1'] });
      const failed = new Promise<Error>((resolve) => socket.once('error', resolve));

      expect((await failed).message).to.contain('no application protocol');
      const session = await clients.connect(url, { ca: cert });
      expect((await request(session, '/')).status).to.equal(200);
    });

    it('closes and reports a client that has not finished its handshake at handshakeTimeout, and serves the others', async () => {
      // Only the timers: the sockets need node's real nextTick and microtasks.
      const clock = fakeTimers();
      try {
        const { url, port } = await start({ handshakeTimeout: 5_000 });
        const seen: ServerEvent[] = [];
        server!.events$.subscribe((event) => seen.push(event));
        const socket = netConnect(port, '127.0.0.1');
        sockets.push(socket);
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a ClientHello record
        // Accepts are in order: once a later connection is served, this one was accepted.
        expect((await get(url)).body).to.equal('hello over 1.1');

        clock.tick(4_999);
        expect(seen.filter((event) => event.type === 'error'), 'not before the timeout').to.deep.equal([]);
        clock.tick(1);
        const event = await server!.next('error');
        await closed(socket);

        expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
        expect((event.error.cause as NodeJS.ErrnoException).code).to.equal('ERR_TLS_HANDSHAKE_TIMEOUT');
        expect(event.remote?.address).to.equal('127.0.0.1');
        expect((await get(url)).body, 'the connection whose handshake was done is still served').to.equal('hello over 1.1');
      } finally {
        clock.restore();
      }
    });

    it('closes a TLS client that offers no ALPN when only h2 is served (RFC 9113 §3.2)', async () => {
      const { port } = await start({ protocol: 'http2' });
      const socket = tlsClient(port, { ca: cert });
      await new Promise((resolve) => socket.once('secureConnect', resolve));

      await closed(socket);

      expect(socket.alpnProtocol).to.equal(false);
    });
  });
});
