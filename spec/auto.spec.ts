import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { type Socket, connect as netConnect } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { Subject } from 'rxjs';
import { HTTP2_PREFACE } from '../lib/protocols/auto.js';
import type { ServerEvent } from '../lib/index.js';
import type { ServeOptions } from '../lib/options.js';
import { certificate } from './support/certificates.js';
import { H2Clients, request } from './support/h2-client.js';
import { FrameType, RawH2Client, encodeFrame } from './support/raw-h2.js';
import { type TestServer, closed, get, tcpHandlesLeft, start as startServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

describe('autoProtocol', () => {
  let server: TestServer | undefined;
  let shutdown$: Subject<void>;
  let agent: Agent;
  let clients: H2Clients;
  let sockets: Socket[];

  beforeEach(() => {
    shutdown$ = new Subject();
    agent = new Agent({ keepAlive: true });
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
      handler: (req) => ({ body: `${req.method} ${req.url} over ${req.httpVersion}` }),
      protocol: 'auto',
      shutdown$,
      ...options,
    }));

  /** A raw TCP client that collects everything it receives until the server closes. */
  const rawClient = (port: number): { socket: Socket; received: Promise<string> } => {
    const socket = netConnect(port, '127.0.0.1');
    sockets.push(socket);
    socket.setEncoding('latin1');
    let text = '';
    socket.on('data', (chunk: string) => (text += chunk));
    return { socket, received: new Promise((resolve) => socket.once('close', () => resolve(text))) };
  };

  describe('without TLS: the connection preface decides', () => {
    it('serves an HTTP/1.1 client and an HTTP/2 prior-knowledge client on one port', async () => {
      const { url } = await start();
      const session = await clients.connect(url);

      const [h1, h2] = await Promise.all([get(url, { agent, path: '/one' }), request(session, '/two')]);

      expect(h1.body).to.equal('GET /one over 1.1');
      expect(h2.body).to.equal('GET /two over 2.0');
    });

    it('loses none of the bytes it read to decide, for pipelined HTTP/1.1 requests written byte by byte', async () => {
      const { port } = await start();
      const { socket, received } = rawClient(port);
      const requests = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

      for (const byte of requests) socket.write(byte);

      const text = await received;
      expect(text.match(/HTTP\/1\.1 200 OK\r\n/g)).to.have.length(2);
      expect(text).to.contain('POST /a over 1.1');
      expect(text).to.contain('GET /b over 1.1');
    });

    it('loses none of the bytes it read to decide, for an HTTP/2 preface and request written in pieces', async () => {
      const { port } = await start();
      const client = await RawH2Client.connect(port, HTTP2_PREFACE.subarray(0, 3));
      const rest = Buffer.concat([HTTP2_PREFACE.subarray(3), encodeFrame(FrameType.SETTINGS, 0, 0)]);

      for (let at = 0; at < rest.length; at += 5) client.send(rest.subarray(at, at + 5));
      client.request(1, '/pieces');

      expect(await client.body(1)).to.equal('GET /pieces over 2.0');
      await client.destroy();
    });

    it('answers Upgrade: h2c as plain HTTP/1.1 and keeps the connection HTTP/1.1', async () => {
      const { url } = await start();
      const upgrade = (): Promise<{ status: number; body: string; socket: Socket }> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(new URL('/up', url), {
            agent,
            headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQAAP__' },
          });
          req.on('response', (res) => {
            // Captured now: a keep-alive socket is detached from the response once it ends.
            const socket = res.socket;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket }));
          });
          req.on('upgrade', () => reject(new Error('switched protocols')));
          req.on('error', reject);
          req.end();
        });

      const first = await upgrade();
      const second = await get(url, { agent, path: '/after' });

      expect(first).to.include({ status: 200, body: 'GET /up over 1.1' });
      expect(second.body).to.equal('GET /after over 1.1');
      expect(second.socket).to.equal(first.socket);
    });

    it('closes at once on shutdown a connection that has sent nothing yet, and drains the others', async () => {
      server = await start();
      const silent = rawClient(server.port);
      const session = await clients.connect(server.url);
      // Accepts are in order: once a later connection is served, the silent one was accepted.
      await request(session, '/');

      shutdown$.next();

      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 2, forced: 0 });
      expect(await silent.received).to.equal('');
    });

    it('hands a preface broken after its first bytes to HTTP/1.1, which answers 400 and reports it', async () => {
      server = await start();
      const broken = rawClient(server.port);

      broken.socket.write('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');

      expect(await broken.received).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect((await server.next('error')).error.code).to.equal('ERR_RXSERVE_CLIENT');
      expect((await get(server.url, { agent })).body).to.equal('GET / over 1.1');
    });

    it('closes and reports a connection that has not said which HTTP it speaks at handshakeTimeout', async () => {
      // Only the timers: the sockets need node's real nextTick and microtasks.
      const clock = fakeTimers();
      try {
        const { url, port } = await start({ handshakeTimeout: 5_000 });
        const seen: ServerEvent[] = [];
        server!.events$.subscribe((event) => seen.push(event));
        const partial = rawClient(port);
        await once(partial.socket, 'connect');
        partial.socket.write('PRI * HTTP/2'); // a preface that stops halfway
        // Accepts are in order: once a later connection is served, this one was accepted.
        expect((await get(url, { agent })).body).to.equal('GET / over 1.1');

        clock.tick(4_999);
        expect(seen.filter((event) => event.type === 'error'), 'not before the timeout').to.deep.equal([]);
        clock.tick(1);
        const event = await server!.next('error');

        expect(await partial.received).to.equal('');
        expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
        expect((event.error.cause as NodeJS.ErrnoException).code).to.equal('ERR_HTTP_REQUEST_TIMEOUT');
        expect((await get(url, { agent })).body, 'the decided connection is still served').to.equal('GET / over 1.1');
      } finally {
        clock.restore();
      }
    });

    it('closes a connection that ends inside a partial preface, and keeps serving', async () => {
      const { url, port } = await start();
      const partial = rawClient(port);

      partial.socket.end('PRI * HTTP/2.0\r\n');

      expect(await partial.received).to.equal('');
      expect((await get(url, { agent })).body).to.equal('GET / over 1.1');
    });
  });

  describe('with TLS: ALPN decides', () => {
    it('serves an HTTPS/1.1 client and an h2 client on one port', async () => {
      const { key, cert } = certificate();
      const { url } = await start({ tls: { key, cert } });
      const session = await clients.connect(url, { ca: cert });
      const httpsAgent = new HttpsAgent({ ca: cert });

      const h1 = await new Promise<string>((resolve, reject) => {
        httpsGet(new URL('/one', url), { agent: httpsAgent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      const h2 = await request(session, '/two');
      httpsAgent.destroy();

      expect(url).to.match(/^https:/);
      expect(h1).to.equal('GET /one over 1.1');
      expect(h2.body).to.equal('GET /two over 2.0');
      expect(session.alpnProtocol).to.equal('h2');
    });
  });
});
