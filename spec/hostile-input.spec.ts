import { expect } from 'chai';
import { map } from 'rxjs';
import { request } from 'undici';
import { readText } from '../lib/handlers/body.js';
import { type ClientError, InvalidOptionError } from '../lib/errors.js';
import { serve } from '../lib/serve.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

// Real time, kept small: node's checker runs on its own interval and compares against the
// monotonic clock, so fake timers cannot drive it.
const http1 = { headersTimeout: 150, requestTimeout: 300, connectionsCheckingInterval: 20 };

describe('hostile input', () => {
  afterEach(closeEverything);

  async function stillServes(url: string): Promise<void> {
    const response = await request(url, { dispatcher: agent() });
    expect([response.statusCode, await response.body.text()]).to.deep.equal([200, 'fine']);
  }

  it('answers 431 to headers over node’s default 16 KiB, and keeps serving', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(await client.closed).to.match(/^HTTP\/1.1 431 /);
    expect(((await server.error()).error.cause as NodeJS.ErrnoException).code).to.equal('HPE_HEADER_OVERFLOW');
    await stillServes(server.url);
  });

  it('answers 431 to headers over `http1.maxHeaderSize`', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }), http1: { maxHeaderSize: 1024 } });
    const client = await raw(server.port);
    client.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2_000)}\r\n\r\n`);
    expect(await client.closed).to.match(/^HTTP\/1.1 431 /);
    await stillServes(server.url);
  });

  it('cuts off a slowloris client that trickles its headers, at `http1.headersTimeout`', async () => {
    let handled = 0;
    const server = await start({
      handler: () => {
        handled++;
        return { body: 'fine' };
      },
      http1,
    });
    const client = await raw(server.port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    // A header line every 10 ms: the connection is never idle, so only a bound on the
    // whole head can stop it.
    const trickle = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 10);
    const received = await client.closed;
    clearInterval(trickle);
    expect(received).to.match(/^HTTP\/1.1 408 /);
    expect(handled).to.equal(0);
    const { error } = await server.error();
    expect((error as ClientError).code).to.equal('ERR_RXSERVE_CLIENT');
    expect((error.cause as NodeJS.ErrnoException).code).to.equal('ERR_HTTP_REQUEST_TIMEOUT');
    await stillServes(server.url);
  });

  it('bounds a slow request body with `http1.requestTimeout`', async () => {
    let failed: unknown;
    const server = await start({
      handler: (req) => readText(req).pipe(map((text) => ({ body: text === '' ? 'fine' : 'read it all' }))),
      http1,
    });
    server.events$.subscribe((e) => e.type === 'error' && (failed ??= e.error.cause));
    const client = await raw(server.port);
    client.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => client.socket.write('x'), 10);
    const received = await client.closed;
    clearInterval(trickle);
    expect(received).to.match(/^HTTP\/1.1 408 /);
    expect((failed as NodeJS.ErrnoException).code).to.equal('ERR_HTTP_REQUEST_TIMEOUT');
    await stillServes(server.url);
  });

  it('keeps an idle keep-alive connection 65 s by default, on every node line, and says so in Keep-Alive', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = await client.receive('fine');
    expect(received.toLowerCase()).to.include('keep-alive: timeout=65');
  });

  it('closes an idle keep-alive connection after `http1.keepAliveTimeout`', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }), http1: { keepAliveTimeout: 50 } });
    const client = await raw(server.port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = await client.closed;
    expect(received).to.match(/^HTTP\/1.1 200 /);
    expect(received.toLowerCase()).to.include('keep-alive: timeout=0');
  });

  const malformed: Record<string, string> = {
    'a request line that is not HTTP': 'GARBAGE\r\n\r\n',
    'a header name with a space': 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
    'a Content-Length that is not a number': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n',
    'both Content-Length and Transfer-Encoding': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    'a malformed chunk size': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'no Host header': 'GET / HTTP/1.1\r\n\r\n',
  };
  for (const [what, input] of Object.entries(malformed)) {
    it(`answers 400 to ${what}, and keeps serving`, async () => {
      const server = await start({ handler: (req) => readText(req).pipe(map(() => ({ body: 'fine' }))) });
      const client = await raw(server.port);
      client.socket.write(input);
      expect(await client.closed).to.match(/^HTTP\/1.1 400 /);
      await stillServes(server.url);
    });
  }

  describe('limit options', () => {
    const handler = () => ({});

    it('throws at the call for a timeout that is not an integer >= 0, naming it', () => {
      for (const option of ['headersTimeout', 'requestTimeout', 'keepAliveTimeout', 'connectionsCheckingInterval']) {
        expect(() => serve({ handler, http1: { [option]: -1 } })).to.throw(InvalidOptionError, `Expected \`http1.${option}\` to be an integer >= 0 (ms), got \`-1\` (number)`);
      }
    });

    it('throws at the call for a headersTimeout longer than requestTimeout', () => {
      expect(() => serve({ handler, http1: { headersTimeout: 2000, requestTimeout: 1000 } })).to.throw(
        InvalidOptionError,
        'Expected `http1.headersTimeout` to be at most `http1.requestTimeout` (1000)',
      );
      expect(() => serve({ handler, http1: { headersTimeout: 400_000 } })).to.throw(InvalidOptionError, '(300000)');
      expect(() => serve({ handler, http1: { headersTimeout: 2000, requestTimeout: 0 } })).not.to.throw();
    });

    it('throws at the call for a maxHeaderSize that is not a positive integer', () => {
      expect(() => serve({ handler, http1: { maxHeaderSize: 0 } })).to.throw(InvalidOptionError, 'Expected `http1.maxHeaderSize` to be a positive integer (bytes), got `0` (number)');
    });

    it('throws at the call for an unknown http1 option, naming it', () => {
      expect(() => serve({ handler, http1: { keepAlive: 5 } as never })).to.throw(InvalidOptionError, /^Unknown option `http1.keepAlive`; the known options are `headersTimeout`/);
    });
  });
});
