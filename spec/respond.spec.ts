import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { NEVER, Observable, Subject, finalize, from, of, throwError } from 'rxjs';
import { request } from 'undici';
import type { Handler, RequestContext } from '../lib/handlers/respond.js';
import { HttpError } from '../lib/errors.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

/** What a test saw of a request's cancellation, taken as its socket emitted 'close'. */
interface Teardown {
  finalized: boolean;
  bodyUnsubscribed: boolean;
  aborted: boolean;
}

describe('respond', () => {
  afterEach(closeEverything);

  describe('cancellation when the client goes away', () => {
    // The state is read by a 'close' listener of the socket added after node's own, so
    // during that very emission: "in the same turn as the socket's close", as respond() says.
    function watchTeardown(req: IncomingMessage, ctx: RequestContext, state: Teardown): Promise<Teardown> {
      const signal = ctx.signal;
      return new Promise((resolve) => req.socket.once('close', () => resolve({ ...state, aborted: signal.aborted })));
    }

    it('unsubscribes a pending handler Observable, runs its finalize and aborts ctx.signal', async () => {
      const state: Teardown = { finalized: false, bodyUnsubscribed: false, aborted: false };
      const arrived = new Subject<{ teardown: Promise<Teardown> }>();
      const server = await start({
        handler: (req, ctx) => {
          arrived.next({ teardown: watchTeardown(req as IncomingMessage, ctx, state) });
          return NEVER.pipe(finalize(() => (state.finalized = true)));
        },
      });
      const client = await raw(server.port);
      const seen = new Promise<{ teardown: Promise<Teardown> }>((resolve) => arrived.subscribe(resolve));
      client.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
      const { teardown } = await seen;
      client.socket.destroy();
      expect(await teardown).to.deep.equal({ finalized: true, bodyUnsubscribed: false, aborted: true });
    });

    it('unsubscribes an Observable body mid-stream and aborts ctx.signal', async () => {
      const state: Teardown = { finalized: false, bodyUnsubscribed: false, aborted: false };
      let teardown: Promise<Teardown> | undefined;
      const server = await start({
        handler: (req, ctx) => {
          teardown = watchTeardown(req as IncomingMessage, ctx, state);
          const body = new Observable<string>((subscriber) => {
            subscriber.next('first chunk\n');
            return () => (state.bodyUnsubscribed = true);
          });
          return of({ body }).pipe(finalize(() => (state.finalized = true)));
        },
      });
      const client = await raw(server.port);
      client.socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.receive('first chunk');
      client.socket.destroy();
      expect(await teardown).to.deep.equal({ finalized: true, bodyUnsubscribed: true, aborted: true });
    });

    it('destroys a Readable body mid-stream', async () => {
      let stream: Readable | undefined;
      let destroyedInTime: Promise<boolean> | undefined;
      const server = await start({
        handler: (req) => {
          stream = new Readable({ read() {} });
          stream.push('first chunk\n');
          const { socket } = req as IncomingMessage;
          destroyedInTime = new Promise((resolve) => socket.once('close', () => resolve(stream!.destroyed)));
          return { body: stream };
        },
      });
      const client = await raw(server.port);
      client.socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.receive('first chunk');
      client.socket.destroy();
      expect(await destroyedInTime).to.equal(true);
    });

    it('leaves ctx.signal alone when the response finished before the client left', async () => {
      let signal: AbortSignal | undefined;
      const server = await start({
        handler: (req, ctx) => {
          signal = ctx.signal;
          return { body: 'done' };
        },
      });
      const client = await raw(server.port);
      client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await client.receive('done');
      client.socket.destroy();
      await client.closed;
      server.shutdown();
      await server.closed;
      expect(signal?.aborted).to.equal(false);
    });
  });

  describe('failures', () => {
    const failing: Record<string, Handler> = {
      'throws': () => {
        throw new Error('secret detail');
      },
      'returns a rejected Promise': () => Promise.reject(new Error('secret detail')),
      'returns an errored Observable': () => throwError(() => new Error('secret detail')),
    };

    for (const [how, failure] of Object.entries(failing)) {
      it(`answers 500 with no detail when the handler ${how}, reports it and keeps serving`, async () => {
        const server = await start({ handler: (req, ctx) => (req.url === '/boom' ? failure(req, ctx) : { body: 'fine' }) });
        const dispatcher = agent();
        const failed = await request(`${server.url}/boom`, { dispatcher });
        const body = await failed.body.text();
        expect(failed.statusCode).to.equal(500);
        expect(body).to.equal('Internal Server Error\n');
        const event = await server.error();
        expect(event.error.code).to.equal('ERR_RXSERVE_HANDLER');
        expect((event.error.cause as Error).message).to.equal('secret detail');
        expect(event.request).to.deep.equal({ method: 'GET', url: '/boom' });
        const next = await request(`${server.url}/`, { dispatcher });
        expect([next.statusCode, await next.body.text()]).to.deep.equal([200, 'fine']);
      });
    }

    it('keeps the connection after answering 500 to a request without a body', async () => {
      const server = await start({
        handler: (req) => {
          if (req.url === '/boom') throw new Error('boom');
          return { body: 'fine' };
        },
      });
      const client = await raw(server.port);
      client.socket.write('GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const received = await client.receive('fine');
      expect(received).to.match(/^HTTP\/1.1 500 /);
      expect(received.toLowerCase()).not.to.include('connection: close');
    });

    it('closes the connection after answering a request whose body was not read', async () => {
      const server = await start({
        handler: () => {
          throw new Error('boom');
        },
      });
      const client = await raw(server.port);
      client.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n');
      const received = await client.closed;
      expect(received).to.match(/^HTTP\/1.1 500 /);
      expect(received.toLowerCase()).to.include('connection: close');
    });

    it('destroys the connection when the body errors after the head was sent, so the client sees no whole body', async () => {
      const server = await start({
        handler: () => ({
          body: new Observable<string>((subscriber) => {
            subscriber.next('partial ');
            subscriber.error(new Error('disk gone'));
          }),
        }),
      });
      const response = await request(`${server.url}/file`, { dispatcher: agent() });
      expect(response.statusCode).to.equal(200);
      const read = await response.body.text().then(
        () => 'complete',
        (error: Error) => error.name,
      );
      expect(read).to.equal('SocketError');
      const event = await server.error();
      expect(event.error.code).to.equal('ERR_RXSERVE_HANDLER');
      expect(event.request).to.deep.equal({ method: 'GET', url: '/file' });
    });

    it('destroys the connection when a Readable body errors after the head was sent', async () => {
      const server = await start({
        handler: () => ({
          body: (async function* () {
            yield 'partial ';
            throw new Error('disk gone');
          })(),
        }),
      });
      const client = await raw(server.port);
      client.socket.write('GET /file HTTP/1.1\r\nHost: x\r\n\r\n');
      const received = await client.closed;
      expect(received).to.match(/^HTTP\/1.1 200/);
      expect(received).to.include('partial');
      expect(received, 'the terminating chunk').not.to.match(/\r\n0\r\n\r\n$/);
      expect((await server.error()).request).to.deep.equal({ method: 'GET', url: '/file' });
    });

    it('answers the status and message of an HttpError, an answer and not a failure: no error event', async () => {
      const server = await start({
        handler: () => {
          throw new HttpError(401, 'Sign in first', { 'www-authenticate': 'Bearer' });
        },
      });
      const response = await request(server.url, { dispatcher: agent() });
      expect(response.statusCode).to.equal(401);
      expect(response.headers['www-authenticate']).to.equal('Bearer');
      expect(await response.body.text()).to.equal('Sign in first\n');
      expect(server.errors()).to.deep.equal([]);
    });

    it('answers 500 and reports an invalid reply', async () => {
      const server = await start({ handler: () => ({ status: 42 }) });
      const response = await request(server.url, { dispatcher: agent() });
      expect(response.statusCode).to.equal(500);
      await response.body.dump();
      expect((await server.error()).error.code).to.equal('ERR_RXSERVE_INVALID_REPLY');
    });
  });

  describe('replies', () => {
    it('uses the first reply an Observable handler emits', async () => {
      const server = await start({ handler: () => from([{ status: 201, body: 'first' }, { status: 202, body: 'second' }]) });
      const response = await request(server.url, { dispatcher: agent() });
      expect([response.statusCode, await response.body.text()]).to.deep.equal([201, 'first']);
    });

    it('answers 500 when an Observable handler completes without a reply', async () => {
      const server = await start({ handler: () => from([]) });
      const response = await request(server.url, { dispatcher: agent() });
      expect(response.statusCode).to.equal(500);
      await response.body.dump();
      expect((await server.error()).error.code).to.equal('ERR_RXSERVE_INVALID_REPLY');
    });
  });
});
