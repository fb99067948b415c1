import { type Server, type ServerResponse, createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { Observable, lastValueFrom } from 'rxjs';
import { request } from 'undici';
import { InvalidReplyError } from '../lib/errors.js';
import { type Reply, writeReply } from '../lib/handlers/reply.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

const CHUNK = 64 * 1024;
const TOTAL = 32 * 1024 * 1024;

/**
 * Reads `port`'s response to GET / one chunk per event-loop turn: a reader slower than any
 * producer that ignores backpressure. Resolves with the body's length once the server closes.
 */
async function readSlowly(port: number): Promise<number> {
  const client = await raw(port);
  let bytes = 0;
  client.socket.removeAllListeners('data');
  client.socket.on('data', (chunk: string) => {
    bytes += chunk.length;
    client.socket.pause();
    setImmediate(() => client.socket.resume());
  });
  client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await client.closed;
  return bytes;
}

describe('reply', () => {
  afterEach(closeEverything);

  describe('backpressure', () => {
    // What the server holds in memory for the client is what its socket has queued: with
    // backpressure it stays near the high-water mark; without, it grows by megabytes.
    for (const [kind, article] of [['Readable', 'a'], ['AsyncIterable', 'an']] as const) {
      it(`pulls ${article} ${kind} body only as fast as a slow client reads`, async () => {
        let socket: Socket | undefined;
        let mostQueued = 0;
        function* chunks(): Generator<Buffer> {
          for (let sent = 0; sent < TOTAL; sent += CHUNK) {
            mostQueued = Math.max(mostQueued, socket!.writableLength);
            yield Buffer.alloc(CHUNK, 'x');
          }
        }
        const server = await start({
          handler: (req) => {
            socket = req.socket;
            const body =
              kind === 'Readable'
                ? Readable.from(chunks(), { objectMode: false })
                : (async function* () {
                    yield* chunks();
                  })();
            return { headers: { 'content-length': String(TOTAL) }, body };
          },
        });
        const received = await readSlowly(server.port);
        expect(received - TOTAL, 'head only').to.be.within(0, 1024);
        expect(mostQueued).to.be.below(1024 * 1024);
      });
    }

    describe('an Observable body', () => {
      let server: Server;
      afterEach(() => new Promise((resolve) => server.close(resolve)));

      it('waits for drain before each write once the socket is full, and keeps the order', async () => {
        let writesWhileFull = 0;
        let writes = 0;
        let waitedForDrain = 0;
        server = createServer((req, res: ServerResponse) => {
          const write = res.write.bind(res) as (chunk: Buffer) => boolean;
          res.write = ((chunk: Buffer) => {
            writes++;
            if (res.writableNeedDrain) writesWhileFull++;
            const ok = write(chunk);
            if (!ok) waitedForDrain++;
            return ok;
          }) as typeof res.write;
          // Every chunk is pushed at once: an Observable cannot be paused, so the order and
          // the waits are the reply's doing.
          const body = new Observable<Buffer>((subscriber) => {
            for (let n = 0; n < TOTAL / CHUNK; n++) subscriber.next(Buffer.alloc(CHUNK, n % 256));
            subscriber.complete();
          });
          writeReply(res, { headers: { 'content-length': String(TOTAL) }, body }).subscribe();
        }).listen(0, '127.0.0.1');
        await once(server, 'listening');
        const client = await raw((server.address() as AddressInfo).port);
        const chunks: Buffer[] = [];
        client.socket.removeAllListeners('data');
        client.socket.on('data', (chunk: string) => {
          chunks.push(Buffer.from(chunk, 'latin1'));
          client.socket.pause();
          setImmediate(() => client.socket.resume());
        });
        client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        await client.closed;
        const all = Buffer.concat(chunks);
        const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
        expect(body.length).to.equal(TOTAL);
        expect([body[0], body[CHUNK], body[TOTAL - 1]]).to.deep.equal([0, 1, (TOTAL / CHUNK - 1) % 256]);
        expect(writes).to.equal(TOTAL / CHUNK);
        expect(waitedForDrain).to.be.above(0);
        expect(writesWhileFull).to.equal(0);
      });
    });
  });

  describe('bodies', () => {
    async function fetch(reply: Reply): Promise<{ status: number; type: unknown; length: unknown; body: string }> {
      const server = await start({ handler: () => reply });
      const response = await request(server.url, { dispatcher: agent() });
      return {
        status: response.statusCode,
        type: response.headers['content-type'],
        length: response.headers['content-length'],
        body: await response.body.text(),
      };
    }

    it('sends a string whole, as UTF-8 text with its length, status 200 by default', async () => {
      expect(await fetch({ body: 'héllo' })).to.deep.equal({ status: 200, type: 'text/plain; charset=utf-8', length: '6', body: 'héllo' });
    });

    it('keeps a content-type the reply set', async () => {
      expect((await fetch({ headers: { 'content-type': 'text/html' }, body: '<p>' })).type).to.equal('text/html');
    });

    it('sends bytes whole, and no body at all for null', async () => {
      expect((await fetch({ status: 201, body: new Uint8Array([104, 105]) })).body).to.equal('hi');
      expect(await fetch({ status: 204, body: null })).to.include({ status: 204, body: '' });
    });

    it('streams an Observable of chunks in order, and a Promise of one', async () => {
      expect((await fetch({ body: new Observable((s) => (s.next('a'), s.next('b'), s.complete())) })).body).to.equal('ab');
      expect((await fetch({ body: Promise.resolve('later') })).body).to.equal('later');
    });

    it('errors with an InvalidReplyError for a body of the wrong type or a chunk that is not text or bytes', async () => {
      const res = { statusCode: 0, setHeader() {}, hasHeader: () => false } as unknown as ServerResponse;
      const error = await lastValueFrom(writeReply(res, { body: 42 as never })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidReplyError);
      const server = await start({ handler: () => ({ body: new Observable((s) => s.next(42 as never)) }) });
      const response = await request(server.url, { dispatcher: agent() });
      await response.body.text().catch(() => undefined);
      expect((await server.error()).error.message).to.equal('Expected each body chunk to be a string or bytes, got number');
    });
  });
});
