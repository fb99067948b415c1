import { connect as netConnect } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { Observable, Subject, concat, finalize, of, throwError } from 'rxjs';
import { MAX_STREAM_ID } from '../lib/protocols/http2.js';
import type { Handler } from '../lib/handlers/respond.js';
import { H2Clients, request } from './support/h2-client.js';
import { heldReply } from './support/held-reply.js';
import { ACK, FrameType, RawH2Client, encodeFrame, goawayOf } from './support/raw-h2.js';
import { type TestServer, tcpHandlesLeft, signal, start as startServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

const NO_ERROR = 0;
const PROTOCOL_ERROR = 1;
const FRAME_SIZE_ERROR = 6;

describe('http2Protocol', () => {
  let server: TestServer | undefined;
  let shutdown$: Subject<void>;
  let clients: H2Clients;
  let raws: RawH2Client[];

  beforeEach(() => {
    shutdown$ = new Subject();
    clients = new H2Clients();
    raws = [];
  });

  afterEach(async () => {
    server?.subscription.unsubscribe();
    server = undefined;
    await clients.closeAll();
    await Promise.all(raws.map((raw) => raw.destroy()));
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  const start = async (handler: Handler, deadline = 10_000): Promise<TestServer> =>
    (server = await startServer({ handler, protocol: 'http2', shutdown$, deadline }));
  const raw = async (port: number, preface?: Buffer): Promise<RawH2Client> => {
    const client = await RawH2Client.connect(port, preface);
    raws.push(client);
    return client;
  };

  describe('serving', () => {
    it('answers an HTTP/2 prior-knowledge client with the handler reply, status and headers included', async () => {
      const { url } = await start((req) => ({ status: 201, headers: { 'x-path': req.url }, body: `hello ${req.method}` }));
      const session = await clients.connect(url);

      const response = await request(session, '/a?b=1');

      expect(response.status).to.equal(201);
      expect(response.headers['x-path']).to.equal('/a?b=1');
      expect(response.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(response.body).to.equal('hello GET');
    });

    it('serves bytes, a Readable and a Promise of a reply as it does over HTTP/1.1', async () => {
      const { url } = await start((req) => {
        if (req.url === '/bytes') return { body: new TextEncoder().encode('bytes') };
        if (req.url === '/readable') return { body: Readable.from(['rea', 'dable']) };
        return Promise.resolve({ status: 202, body: 'promised' });
      });
      const session = await clients.connect(url);

      const [bytes, readable, promised] = await Promise.all(
        ['/bytes', '/readable', '/promise'].map((path) => request(session, path)),
      );

      expect(bytes?.body).to.equal('bytes');
      expect(readable?.body).to.equal('readable');
      expect(promised).to.include({ status: 202, body: 'promised' });
    });

    it('streams an Observable body: the client reads each chunk before the next one exists', async () => {
      const chunks = new Subject<string>();
      const { url } = await start(() => ({ body: chunks }));
      const session = await clients.connect(url);
      const stream = session.request({ ':path': '/stream' });
      stream.setEncoding('utf8');
      const received: string[] = [];
      const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
      const nextChunk = (): Promise<string> => new Promise((resolve) => stream.once('data', resolve));

      await new Promise((resolve) => stream.once('response', resolve));
      let arriving = nextChunk();
      chunks.next('one ');
      received.push(await arriving);
      arriving = nextChunk();
      chunks.next('two');
      received.push(await arriving);
      chunks.complete();
      await ended;

      expect(received).to.deep.equal(['one ', 'two']);
    });

    it('drops HTTP/1.1 connection-specific reply headers instead of failing the response', async () => {
      const { url } = await start(() => ({
        headers: { Connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', Upgrade: 'h2c', 'Proxy-Connection': 'x', 'x-kept': 'yes' },
        body: 'fine',
      }));
      const session = await clients.connect(url);

      const response = await request(session, '/');

      expect(response).to.include({ status: 200, body: 'fine' });
      expect(response.headers['x-kept']).to.equal('yes');
      expect(response.headers).not.to.have.any.keys('connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection');
    });

    it('dates each response as node does (its current second, in IMF-fixdate), and keeps a date the reply gives', async () => {
      const { url } = await start((req) => (req.url === '/dated' ? { headers: { Date: 'Tue, 01 Dec 2026 00:00:00 GMT' }, body: 'old' } : { body: 'now' }));
      const session = await clients.connect(url);

      const before = Math.floor(Date.now() / 1000) * 1000;
      const [now, dated] = await Promise.all([request(session, '/'), request(session, '/dated')]);
      const after = Date.now();

      const date = String(now.headers['date']);
      expect(date).to.equal(new Date(date).toUTCString());
      expect(Date.parse(date)).to.be.within(before, after);
      expect(dated.headers['date']).to.equal('Tue, 01 Dec 2026 00:00:00 GMT');
    });

    it('sends no date to a listener that turned sendDate off, and the listener’s own date when it gives one', async () => {
      server = await startServer({
        protocol: 'http2',
        shutdown$,
        listener: (req, res) => {
          res.sendDate = false;
          if (req.url === '/dated') res.writeHead(200, { date: 'Tue, 01 Dec 2026 00:00:00 GMT' });
          res.end('ok');
        },
      });
      const session = await clients.connect(server.url);

      const [undated, dated] = await Promise.all([request(session, '/'), request(session, '/dated')]);

      expect(undated.headers).not.to.have.property('date');
      expect(dated.headers['date']).to.equal('Tue, 01 Dec 2026 00:00:00 GMT');
    });

    it('answers 500 and reports an error event when the handler throws', async () => {
      server = await start(() => {
        throw new Error('boom');
      });
      const session = await clients.connect(server.url);
      const reported = server.next('error');

      const response = await request(session, '/fails');

      expect(response.status).to.equal(500);
      const event = await reported;
      expect(event.error.code).to.equal('ERR_RXSERVE_HANDLER');
      expect(event.request).to.deep.equal({ method: 'GET', url: '/fails' });
    });

    it('resets the stream with INTERNAL_ERROR when the body fails after the head, so it never looks whole', async () => {
      server = await start(() => ({ body: concat(of('first '), throwError(() => new Error('mid-body'))) }));
      const session = await clients.connect(server.url);

      const failure = await request(session, '/').then(
        (response) => response,
        (error: NodeJS.ErrnoException) => error,
      );

      expect(failure).to.be.instanceOf(Error);
      expect((failure as Error).message).to.contain('NGHTTP2_INTERNAL_ERROR');
      expect((await server.next('error')).error.message).to.contain('mid-body');
    });

    for (const method of ['GET', 'HEAD']) {
      it(`leaves ctx.signal unaborted once an HTTP/2 response to ${method} has finished`, async () => {
        let requestSignal: AbortSignal | undefined;
        const closed = signal();
        const { url } = await start((_, ctx) => {
          requestSignal = ctx.signal;
          return { body: new Observable<string>((subscriber) => (subscriber.next('done'), subscriber.complete(), () => closed.resolve())) };
        });
        const session = await clients.connect(url);

        await request(session, '/', method);
        await closed.promise;

        expect(requestSignal?.aborted).to.equal(false);
      });
    }
  });

  describe('graceful shutdown (RFC 9113 §6.8)', () => {
    it('sends GOAWAY with the maximum stream id, then a PING, then GOAWAY with the last stream id', async () => {
      const held = heldReply('slow');
      server = await start(held.handler);
      const client = await raw(server.port);
      client.request(1, '/slow');
      await held.arrived;

      shutdown$.next();
      const first = await client.next(FrameType.GOAWAY);
      const ping = await client.next(FrameType.PING);
      client.ackPing(ping);
      const final = await client.next(FrameType.GOAWAY);

      expect(goawayOf(first)).to.deep.equal({ lastStreamId: MAX_STREAM_ID, errorCode: NO_ERROR });
      expect(client.frames.indexOf(first)).to.be.below(client.frames.indexOf(ping));
      expect(ping.flags & ACK).to.equal(0);
      expect(goawayOf(final)).to.deep.equal({ lastStreamId: 1, errorCode: NO_ERROR });
      held.release();
      expect(await client.body(1)).to.equal('slow');
      await client.closed;
      // node repeats the final GOAWAY when the session is torn down; the id never grows.
      const goaways = client.frames.filter((frame) => frame.type === FrameType.GOAWAY).map(goawayOf);
      expect(goaways.slice(2).every((goaway) => goaway.lastStreamId === 1)).to.equal(true);
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('holds the final GOAWAY until the PING is acknowledged or the last open stream ends', async () => {
      const held = heldReply('slow');
      server = await start(held.handler);
      const client = await raw(server.port);
      client.request(1, '/slow');
      await held.arrived;

      shutdown$.next();
      await client.next(FrameType.PING); // and never acknowledged
      held.release();
      const body = await client.body(1);
      const final = await client.next(FrameType.GOAWAY, 0).then(() => client.next(FrameType.GOAWAY, 0));

      const lastData = client.frames.findLastIndex((frame) => frame.type === FrameType.DATA);
      expect(body).to.equal('slow');
      expect(client.frames.indexOf(final)).to.be.above(lastData);
      expect(goawayOf(final).lastStreamId).to.equal(1);
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('leaves unprocessed a stream that crosses the first GOAWAY, and says so in the final one', async () => {
      const held = heldReply('slow');
      server = await start(held.handler);
      const client = await raw(server.port);
      client.request(1, '/slow');
      await held.arrived;

      shutdown$.next();
      const ping = await client.next(FrameType.PING);
      client.request(3, '/crossing');
      client.ackPing(ping);
      await client.next(FrameType.GOAWAY);
      const final = await client.next(FrameType.GOAWAY);
      client.request(5, '/after');
      held.release();

      expect(await client.body(1)).to.equal('slow');
      await client.closed;
      expect(goawayOf(final).lastStreamId).to.equal(1);
      expect(held.served).to.deep.equal(['/slow']);
      expect(client.frames.filter((frame) => frame.streamId === 3 || frame.streamId === 5)).to.deep.equal([]);
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('fails with REFUSED_STREAM, unserved, a request node’s client sent as the GOAWAY came', async () => {
      const held = heldReply('slow');
      server = await start(held.handler);
      const session = await clients.connect(server.url);
      const slow = request(session, '/slow');
      await held.arrived;

      shutdown$.next();
      // Sent before the client has read the GOAWAY, so it reaches the server.
      const late = request(session, '/late');
      const refused = await late.then(
        () => undefined,
        (error: NodeJS.ErrnoException) => error,
      );
      held.release();

      expect(refused?.code).to.equal('ERR_HTTP2_STREAM_ERROR');
      expect(refused?.message).to.contain('NGHTTP2_REFUSED_STREAM');
      expect((await slow).body).to.equal('slow');
      expect(held.served).to.deep.equal(['/slow']);
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
    });

    it('lets node’s client finish its open stream in full, then closes the session as drained', async () => {
      const held = heldReply('x'.repeat(100_000));
      server = await start(held.handler);
      const session = await clients.connect(server.url);
      const goaways: Array<[number, number]> = [];
      const firstGoaway = new Promise((resolve) => session.once('goaway', resolve));
      session.on('goaway', (code: number, lastStreamId: number) => goaways.push([code, lastStreamId]));
      const response = request(session, '/big');
      await held.arrived;

      shutdown$.next();
      await firstGoaway;
      held.release();

      expect((await response).body).to.have.length(100_000);
      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      expect(goaways[0]).to.deep.equal([NO_ERROR, MAX_STREAM_ID]);
      expect(goaways[1]).to.deep.equal([NO_ERROR, 1]);
    });

    it('closes an idle session on shutdown without waiting for the deadline', async () => {
      server = await start(() => ({ body: 'hi' }));
      const session = await clients.connect(server.url);
      await request(session, '/');
      const closed = new Promise((resolve) => session.once('close', resolve));

      shutdown$.next();

      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      await closed;
    });

    it('closes at once a connection whose client has not sent its preface yet', async () => {
      server = await start(() => ({ body: 'hi' }));
      const socket = netConnect(server.port, '127.0.0.1');
      const socketClosed = new Promise((resolve) => socket.once('close', resolve));
      socket.resume();
      await new Promise((resolve) => socket.once('connect', resolve));
      // The server accepted it once its SETTINGS reach us.
      await new Promise((resolve) => socket.once('data', resolve));

      shutdown$.next();

      expect(await server.next('closed')).to.deep.include({ graceful: true, drained: 1, forced: 0 });
      await socketClosed;
    });

    it('closes and reports at handshakeTimeout a connection whose client never sends its preface, and serves the others', async () => {
      const clock = fakeTimers();
      try {
        server = await startServer({ handler: () => ({ body: 'hi' }), protocol: 'http2', shutdown$, handshakeTimeout: 5_000 });
        const errors: unknown[] = [];
        server.events$.subscribe((event) => event.type === 'error' && errors.push(event));
        const socket = netConnect(server.port, '127.0.0.1');
        const socketClosed = new Promise((resolve) => socket.once('close', resolve));
        socket.resume();
        await new Promise((resolve) => socket.once('connect', resolve));
        // The server accepted it once its SETTINGS reach us.
        await new Promise((resolve) => socket.once('data', resolve));
        const session = await clients.connect(server.url);
        // A round trip: the server has had this client's preface and SETTINGS.
        expect((await request(session, '/')).status).to.equal(200);

        clock.tick(4_999);
        expect(errors, 'not before the timeout').to.deep.equal([]);
        clock.tick(1);
        const event = await server.next('error');
        await socketClosed;

        expect(event.error.code).to.equal('ERR_RXSERVE_CLIENT');
        expect((event.error.cause as NodeJS.ErrnoException).code).to.equal('ERR_HTTP_REQUEST_TIMEOUT');
        expect((await request(session, '/')).status, 'a client that sent its preface is served').to.equal(200);
      } finally {
        clock.restore();
      }
    });

    it('destroys a session still open at the deadline and counts it as forced', async () => {
      const clock = fakeTimers();
      try {
        const held = heldReply('never released');
        server = await start(held.handler, 5_000);
        const session = await clients.connect(server.url);
        const stream = session.request({ ':path': '/never' });
        const streamClosed = new Promise((resolve) => stream.once('close', resolve));
        stream.on('error', () => undefined);
        const finalGoaway = new Promise((resolve) => session.on('goaway', (_, last: number) => last === 1 && resolve(last)));
        await held.arrived;

        shutdown$.next();
        await finalGoaway;
        clock.tick(5_000);

        expect(await server.next('closed')).to.deep.include({ graceful: false, drained: 0, forced: 1 });
        await streamClosed;
      } finally {
        clock.restore();
      }
    });
  });

  describe('bad input', () => {
    it('closes a connection whose preface is broken, reports it, and keeps serving others', async () => {
      server = await start(() => ({ body: 'still here' }));
      const reported = server.next('error');
      const broken = await raw(server.port, Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'));

      await broken.closed;

      expect((await reported).error.code).to.equal('ERR_RXSERVE_CLIENT');
      const session = await clients.connect(server.url);
      expect((await request(session, '/')).body).to.equal('still here');
    });

    // From node 22, node closes the connection once nghttp2 has sent its GOAWAY for a
    // connection error, and tells (sessionError ERR_HTTP2_ERROR); node 20 leaves the session
    // open with nothing to hear it by, so there it lingers, unread, until shutdown.
    const closesAfterConnectionError = Number(process.versions.node.split('.')[0]) >= 22;
    const connectionErrors = [
      // DATA on stream 0 (RFC 9113 §6.1).
      ['DATA on stream 0', encodeFrame(FrameType.DATA, 0, 0, Buffer.from('junk')), PROTOCOL_ERROR],
      // A SETTINGS payload must be a multiple of 6 octets (RFC 9113 §6.5).
      ['a SETTINGS frame of the wrong length', encodeFrame(FrameType.SETTINGS, 0, 0, Buffer.from('abc')), FRAME_SIZE_ERROR],
      ['bytes that are not frames', Buffer.from('x'.repeat(64)), FRAME_SIZE_ERROR],
    ] as const;
    for (const [what, bytes, errorCode] of connectionErrors) {
      it(
        closesAfterConnectionError
          ? `answers ${what} with GOAWAY, closes that connection and reports it with its peer, and serves others (node ${process.version})`
          : `answers ${what} with GOAWAY and serves others; the connection lingers until shutdown (node ${process.version}, before 22)`,
        async () => {
          server = await start(() => ({ body: 'still here' }));
          const client = await raw(server.port);
          await client.next(FrameType.SETTINGS);
          const port = client.socket.localPort;

          client.send(bytes);
          const goaway = goawayOf(await client.next(FrameType.GOAWAY));
          const session = await clients.connect(server.url);
          const response = await request(session, '/');

          expect(goaway.errorCode).to.equal(errorCode);
          expect(response.body).to.equal('still here');
          if (closesAfterConnectionError) {
            await client.closed;
            const reported = await server.next('error');
            expect(reported.error.code).to.equal('ERR_RXSERVE_CLIENT');
            expect((reported.error.cause as NodeJS.ErrnoException).code).to.equal('ERR_HTTP2_ERROR');
            expect(reported.remote).to.deep.equal({ address: '127.0.0.1', port });
          }
          shutdown$.next();
          expect(await server.next('closed')).to.deep.include({
            graceful: true,
            drained: closesAfterConnectionError ? 1 : 2,
            forced: 0,
          });
        },
      );
    }

    it('unsubscribes the body of a stream the client cancels, and serves the next one', async () => {
      const chunks = new Subject<string>();
      const unsubscribed = signal();
      server = await start((req) =>
        req.url === '/stream' ? { body: chunks.pipe(finalize(() => unsubscribed.resolve())) } : { body: 'ok' },
      );
      const session = await clients.connect(server.url);
      const stream = session.request({ ':path': '/stream' });
      await new Promise((resolve) => stream.once('response', resolve));

      stream.close(0x8 /* CANCEL */);
      await unsubscribed.promise;

      expect(chunks.observed).to.equal(false);
      expect((await request(session, '/')).body).to.equal('ok');
    });

    // node's compatibility response emits no 'close' for a HEAD stream that closes before
    // the response ended, and a reset stream reads as writableFinished (both on every line CI
    // runs), so nothing would stop the handler or abort its signal.
    for (const method of ['GET', 'HEAD']) {
      it(`unsubscribes the handler and aborts ctx.signal of a ${method} stream the client cancels before any reply`, async () => {
        const unsubscribed = signal();
        const handled = signal();
        let requestSignal: AbortSignal | undefined;
        server = await start((req, ctx) => {
          if (req.url === '/') return { body: 'ok' };
          requestSignal = ctx.signal;
          handled.resolve();
          return new Observable<never>(() => () => unsubscribed.resolve());
        });
        const session = await clients.connect(server.url);
        const stream = session.request({ ':path': '/slow', ':method': method });
        stream.on('error', () => undefined);
        await handled.promise;

        stream.close(0x8 /* CANCEL */);
        await unsubscribed.promise;

        expect(requestSignal?.aborted).to.equal(true);
        expect((await request(session, '/', method)).status).to.equal(200);
      });
    }
  });
});
