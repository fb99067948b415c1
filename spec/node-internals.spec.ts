import { once } from 'node:events';
import { type IncomingMessage, type Server as HttpServer, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { type AddressInfo, type Server as NetServer, type Socket, connect, createServer as createNetServer } from 'node:net';
import { TLSSocket, connect as tlsConnect, createSecureContext } from 'node:tls';
import { expect } from 'chai';
import {
  HTTP2_CLOSE_CLOSES_SESSIONS,
  QUEUED_RESPONSES_CLOSE_WITH_SOCKET,
  armPrivateServer,
  captureHttp2Session,
  handSocketTo,
  rememberRemote,
  remoteOf,
  stopAccepting,
} from '../lib/node-internals.js';
import { FrameType, RawH2Client } from './support/raw-h2.js';
import { certificate } from './support/certificates.js';
import { pipelinedGets } from './support/http1-wire.js';

// Each node behaviour lib/node-internals.ts relies on, checked against plain node on the
// line running the suite: a spec here fails on a node line where the behaviour changed.
describe(`node ${process.version}: the behaviour rxserve relies on`, () => {
  it(`${QUEUED_RESPONSES_CLOSE_WITH_SOCKET ? 'closes' : 'never closes'} a pipelined response still queued when its socket closes (QUEUED_RESPONSES_CLOSE_WITH_SOCKET)`, async () => {
    const responses: ServerResponse[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => void responses.push(res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.on('error', () => undefined);
      const serverSocket = once(server, 'connection');
      client.write(pipelinedGets(2));
      while (responses.length < 2) await once(server, 'request');
      const queued = responses[1]!;
      let queuedClosed = false;
      queued.once('close', () => (queuedClosed = true));

      client.resetAndDestroy();
      const [socket] = await serverSocket;
      // Not events.once(): it rejects on the reset's 'error'.
      if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
      // node 24 closes it a tick after the socket's 'close'; two turns cover that.
      await new Promise(setImmediate);
      await new Promise(setImmediate);

      expect(queued.socket, 'a queued response has no socket').to.equal(null);
      expect(queuedClosed).to.equal(QUEUED_RESPONSES_CLOSE_WITH_SOCKET);
    } finally {
      server.close();
    }
  });

  it('keeps the peer of a socket once read, after the socket has closed (rememberRemote)', async () => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const accepted = once(server, 'connection');
      const first = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [remembered] = (await accepted) as [Socket];
      rememberRemote(remembered);
      const acceptedToo = once(server, 'connection');
      const second = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [forgotten] = (await acceptedToo) as [Socket];
      const ports = [first.localPort, second.localPort];

      for (const socket of [remembered, forgotten]) {
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.destroy();
        await closed;
      }
      first.destroy();
      second.destroy();

      expect(remoteOf(remembered)).to.deep.equal({ address: '127.0.0.1', port: ports[0] });
      expect(remoteOf(forgotten), 'a closed socket whose peer nobody read').to.deep.equal({ address: undefined, port: undefined });
    } finally {
      server.close();
    }
  });

  describe('a private http.Server, handed sockets accepted elsewhere', () => {
    let listener: NetServer;
    let privateServer: HttpServer;
    let clients: Socket[];

    beforeEach(async () => {
      clients = [];
      privateServer = createServer({ headersTimeout: 100, requestTimeout: 200, connectionsCheckingInterval: 10 }, (req, res) =>
        res.end(req.url === '/slow' ? 'x'.repeat(4 * 1024 * 1024) : 'ok'),
      );
      armPrivateServer(privateServer);
      listener = createNetServer({ allowHalfOpen: true }, (socket) => handSocketTo(privateServer, socket));
      listener.listen(0, '127.0.0.1');
      await once(listener, 'listening');
    });

    afterEach(async () => {
      for (const client of clients) client.destroy();
      listener.close();
      await new Promise((resolve) => privateServer.close(resolve));
    });

    /** A raw client; `closed` resolves with what it received. */
    const client = (): { socket: Socket; closed: Promise<string> } => {
      const socket = connect((listener.address() as AddressInfo).port, '127.0.0.1');
      socket.on('error', () => undefined);
      clients.push(socket);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(received))) };
    };
    const served = (socket: Socket): Promise<void> => new Promise((resolve) => socket.once('data', () => resolve()));

    it("runs node's headersTimeout once it has emitted 'listening' (armPrivateServer, handSocketTo)", async () => {
      const trickling = client();
      trickling.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');

      expect(await trickling.closed).to.match(/^HTTP\/1.1 408 /);
    });

    // Which sockets node counts as idle changed: from node 26 a socket that has sent nothing
    // is idle too. http1.ts closes such a socket itself at shutdown, so either way works.
    const freshIsIdle = Number(process.versions.node.split('.')[0]) >= 26;
    it(`closes with closeIdleConnections() a socket between requests, stray CRLF included, and ${freshIsIdle ? 'also' : 'not'} one that has sent nothing yet (node ${process.version})`, async () => {
      const between = client();
      between.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await served(between.socket);
      between.socket.write('\r\n');
      const handed = once(listener, 'connection');
      const fresh = client();
      await handed;

      privateServer.closeIdleConnections();

      await between.closed;
      expect(fresh.socket.destroyed || (await Promise.race([fresh.closed.then(() => true), turns(3).then(() => false)]))).to.equal(freshIsIdle);
    });

    it('closes with closeIdleConnections() a socket whose response has ended but is still flushed to a slow reader, cutting it short (why IdleSweep waits)', async () => {
      const slow = client();
      slow.socket.pause();
      slow.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      const [, response] = (await once(privateServer, 'request')) as [IncomingMessage, ServerResponse];
      // Ended, and far more than the socket's buffers hold, so still being flushed.
      if (!response.writableEnded) await once(response, 'finish').catch(() => undefined);

      privateServer.closeIdleConnections();
      slow.socket.resume();

      expect((await slow.closed).length).to.be.below(4 * 1024 * 1024);
    });
  });

  it("creates an HTTP/2 session synchronously in its 'connection' listener (captureHttp2Session)", async () => {
    const server = createHttp2Server();
    const listener = createNetServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const accepted = once(listener, 'connection');
      const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
      client.on('error', () => undefined);
      const [socket] = (await accepted) as [Socket];

      const session = captureHttp2Session(server, socket);

      expect(session, 'the session, made in the same call').to.not.equal(undefined);
      session?.destroy();
      client.destroy();
    } finally {
      listener.close();
    }
  });

  it("leaves secureConnecting set on a server-side TLSSocket made by hand, when it emits 'secure' (markHandshakeDone)", async () => {
    const { key, cert } = certificate();
    const listener = createNetServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const accepted = once(listener, 'connection');
      const client = tlsConnect({ port: (listener.address() as AddressInfo).port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
      client.on('error', () => undefined);
      const [socket] = (await accepted) as [Socket];
      const secure = new TLSSocket(socket, { isServer: true, secureContext: createSecureContext({ key, cert }) });

      await once(secure, 'secure');

      expect((secure as TLSSocket & { secureConnecting: boolean }).secureConnecting).to.equal(true);
      client.destroy();
      secure.destroy();
    } finally {
      listener.close();
    }
  });
});

describe(`node ${process.version}: closing a server`, () => {
  it("http.Server's close() closes its idle connections; stopAccepting() only stops accepts", async () => {
    for (const close of ['close', 'stopAccepting'] as const) {
      const server = createServer((req, res) => res.end('ok'));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.on('error', () => undefined);
      client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await once(client, 'data');

      if (close === 'close') server.close();
      else stopAccepting(server);
      await turns(3);

      expect(client.destroyed || client.readableEnded, `idle connection closed by ${close}`).to.equal(close === 'close');
      client.destroy();
      server.closeAllConnections();
      if (server.listening) server.close();
    }
  });

  it(`Http2Server's close() ${HTTP2_CLOSE_CLOSES_SESSIONS ? 'sends' : 'does not send'} its sessions a GOAWAY (HTTP2_CLOSE_CLOSES_SESSIONS); stopAccepting() does not`, async () => {
    for (const close of ['close', 'stopAccepting'] as const) {
      const server = createHttp2Server();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const client = await RawH2Client.connect((server.address() as AddressInfo).port);
      await client.next(FrameType.SETTINGS);

      if (close === 'close') server.close();
      else stopAccepting(server);
      await turns(5);

      const goaways = client.frames.filter((frame) => frame.type === FrameType.GOAWAY).length;
      expect(goaways > 0, `a GOAWAY after ${close}`).to.equal(close === 'close' && HTTP2_CLOSE_CLOSES_SESSIONS);
      await client.destroy();
      if (server.listening) server.close();
    }
  });
});

/** Resolves after `count` turns of the event loop. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise(setImmediate);
}
