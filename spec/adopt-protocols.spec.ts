import { once } from 'node:events';
import { Agent, get as httpsGet } from 'node:https';
import { type Http2SecureServer, type Http2Server, type ServerHttp2Stream, createSecureServer, createServer as createH2Server } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { expect } from 'chai';
import type { AdoptableServer } from '../lib/index.js';
import { certificate } from './support/certificates.js';
import { H2Clients, request } from './support/h2-client.js';
import { closeEverything, signal, start } from './support/harness.js';
import { FrameType, RawH2Client, goawayOf } from './support/raw-h2.js';

const { key, cert } = certificate();

describe('serve({ server }) with an https.Server (certificates made at test time)', () => {
  afterEach(closeEverything);

  it('serves the app over TLS and lets a request in flight finish with Connection: close, then closes', async () => {
    const arrived = signal();
    const release = signal();
    const server = createHttpsServer({ key, cert }, (req, res) => {
      if (req.url !== '/slow') return void res.end('secure app');
      arrived.resolve();
      void release.promise.then(() => res.end('slow and secure'));
    });
    const served = await start({ server, deadline: 60_000 });
    const agent = new Agent({ ca: cert, keepAlive: true });
    const fetch = (path: string) =>
      new Promise<{ body: string; connection: string | undefined }>((resolve, reject) =>
        httpsGet(`${served.url}${path}`, { agent }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk)).on('end', () => resolve({ body, connection: res.headers.connection }));
        }).on('error', reject),
      );
    const plain = await fetch('/');
    const slow = fetch('/slow');
    await arrived.promise;

    served.shutdown();
    await served.next('shutdown');
    release.resolve();

    expect(served.url).to.match(/^https:\/\//);
    expect(plain.body).to.equal('secure app');
    expect(await slow).to.deep.equal({ body: 'slow and secure', connection: 'close' });
    // One connection: the agent sent /slow on the socket /'s answer left idle.
    expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    agent.destroy();
  });
});

// An HTTP/2 server of the app's, on the core API ('stream') or the compatibility one.
const h2Servers: Array<{ name: string; make: (onStream: (stream: ServerHttp2Stream, path: string) => void) => Http2Server | Http2SecureServer; tls: boolean }> = [
  { name: 'http2.createServer (h2c)', make: (onStream) => withStreams(createH2Server(), onStream), tls: false },
  { name: 'http2.createSecureServer', make: (onStream) => withStreams(createSecureServer({ key, cert }), onStream), tls: true },
];

function withStreams<S extends Http2Server | Http2SecureServer>(server: S, onStream: (stream: ServerHttp2Stream, path: string) => void): S {
  server.on('stream', (stream, headers) => onStream(stream, String(headers[':path'])));
  return server;
}

for (const { name, make, tls } of h2Servers) {
  describe(`serve({ server }) with ${name} (node ${process.version})`, () => {
    let clients: H2Clients;
    let raws: RawH2Client[];

    beforeEach(() => {
      clients = new H2Clients();
      raws = [];
    });

    afterEach(async () => {
      await clients.closeAll();
      await Promise.all(raws.map((raw) => raw.destroy()));
      await closeEverything();
    });

    /** The app: `/slow` answers in two chunks once released, anything else at once. */
    function app(): { server: AdoptableServer; arrived: Promise<void>; release: () => void } {
      const arrived = signal();
      const released = signal();
      const server = make((stream, path) => {
        stream.on('error', () => undefined);
        stream.respond({ ':status': 200 });
        if (path !== '/slow') return void stream.end(`h2 app ${path}`);
        arrived.resolve();
        stream.write('first half, ');
        void released.promise.then(() => stream.end('second half'));
      });
      return { server, arrived: arrived.promise, release: released.resolve };
    }

    it('sends GOAWAY(2^31-1), a PING, then GOAWAY with the last stream; the open stream finishes in full; then the session closes', async () => {
      const { server, arrived, release } = app();
      const served = await start({ server, deadline: 60_000 });
      const client = await RawH2Client.connect(served.port, undefined, tls ? { tls: { ca: cert } } : {});
      raws.push(client);
      await client.next(FrameType.SETTINGS);
      client.request(1, '/slow');
      await arrived;

      served.shutdown();
      const first = goawayOf(await client.next(FrameType.GOAWAY));
      client.ackPing(await client.next(FrameType.PING));
      const final = goawayOf(await client.next(FrameType.GOAWAY));
      release();
      const body = await client.body(1);

      expect([first.lastStreamId, final.lastStreamId]).to.deep.equal([2 ** 31 - 1, 1]);
      expect(body).to.equal('first half, second half');
      expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      // Two GOAWAYs before the stream's end, and no other: none refused the stream early.
      expect(client.frames.filter((frame) => frame.type === FrameType.GOAWAY).map((frame) => goawayOf(frame).lastStreamId).slice(0, 2)).to.deep.equal([2 ** 31 - 1, 1]);
    });

    it('lets node\u2019s own client finish its stream in full and counts the session drained', async () => {
      const { server, arrived, release } = app();
      const served = await start({ server, deadline: 60_000 });
      const session = await clients.connect(served.url, tls ? { ca: cert } : {});
      const plain = await request(session, '/');
      const slow = request(session, '/slow');
      await arrived;

      served.shutdown();
      await served.next('shutdown');
      release();

      expect(plain.body).to.equal('h2 app /');
      expect((await slow).body).to.equal('first half, second half');
      expect(await served.closed).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('counts sessions by protocol as http2 while draining, and lists an open stream in overdue', async () => {
      const { server, arrived } = app();
      const served = await start({ server, deadline: 60_000 });
      const session = await clients.connect(served.url, tls ? { ca: cert } : {});
      request(session, '/slow').catch(() => undefined);
      await arrived;

      served.shutdown();
      await served.next('shutdown');
      served.shutdown();

      const overdue = await served.next('overdue');
      expect(overdue.connections.map((c) => [c.protocol, c.requests.map((r) => r.url)])).to.deep.equal([['http2', ['/slow']]]);
      expect(await served.closed).to.deep.include({ graceful: false, forced: 1 });
      void once;
    });
  });
}
