import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { firstValueFrom, map } from 'rxjs';
import { request } from 'undici';
import { readBytes, readJson, readText } from '../lib/handlers/body.js';
import { InvalidOptionError } from '../lib/errors.js';
import type { ServerRequest } from '../lib/handlers/reply.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

function fakeRequest(headers: Record<string, string> = {}): PassThrough & ServerRequest {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & ServerRequest;
}

describe('body', () => {
  afterEach(closeEverything);

  it('reads a body as text, JSON and bytes', async () => {
    const server = await start({
      handler: (req) => {
        if (req.url === '/text') return readText(req).pipe(map((text) => ({ body: `text:${text}` })));
        if (req.url === '/json') return readJson<{ n: number }>(req).pipe(map((value) => ({ body: `n=${value.n}` })));
        return readBytes(req).pipe(map((bytes) => ({ body: `${bytes.length} bytes` })));
      },
    });
    const dispatcher = agent();
    const post = async (path: string, body: string): Promise<string> =>
      (await request(`${server.url}${path}`, { method: 'POST', body, dispatcher })).body.text();
    expect(await post('/text', 'héllo')).to.equal('text:héllo');
    expect(await post('/json', '{"n":42}')).to.equal('n=42');
    expect(await post('/bytes', 'héllo')).to.equal('6 bytes');
  });

  it('answers 413 at once, without reading, when Content-Length is over the limit', async () => {
    let bytesRead = 0;
    const server = await start({
      handler: (req) => {
        req.on('data', (chunk: Buffer) => (bytesRead += chunk.length));
        return readBytes(req, { limit: 1000 }).pipe(map(() => ({ body: 'stored' })));
      },
    });
    const client = await raw(server.port);
    // The body is never sent: only an answer given without reading it can arrive.
    client.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    const response = await client.closed;
    expect(response).to.match(/^HTTP\/1.1 413 /);
    expect(response.toLowerCase()).to.include('connection: close');
    expect(bytesRead).to.equal(0);
    expect(server.errors(), 'a 413 is an answer, not a failure').to.deep.equal([]);
  });

  it('answers 413 as soon as a streamed body crosses the limit, before the body ends', async () => {
    const server = await start({ handler: (req) => readText(req, { limit: 1000 }).pipe(map(() => ({ body: 'stored' }))) });
    const client = await raw(server.port);
    client.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    // 1001 bytes in chunks and no terminating chunk: a helper that waited for the end
    // (buffering the whole body) would never answer.
    for (let i = 0; i < 7; i++) client.socket.write(`8f\r\n${'x'.repeat(0x8f)}\r\n`);
    const response = await client.closed;
    expect(response).to.match(/^HTTP\/1.1 413 /);
    expect(response).to.include('The request body is larger than 1000 bytes');
    expect(server.errors()).to.deep.equal([]);
  });

  it('accepts a body of exactly the limit', async () => {
    const server = await start({ handler: (req) => readText(req, { limit: 5 }).pipe(map((text) => ({ body: text }))) });
    const response = await request(server.url, { method: 'POST', body: '12345', dispatcher: agent() });
    expect([response.statusCode, await response.body.text()]).to.deep.equal([200, '12345']);
  });

  it('answers 400 for invalid JSON, an empty body included', async () => {
    const server = await start({ handler: (req) => readJson(req).pipe(map(() => ({ body: 'ok' }))) });
    const dispatcher = agent();
    for (const body of ['{oops', '']) {
      const response = await request(server.url, { method: 'POST', body, dispatcher });
      expect(response.statusCode).to.equal(400);
      expect(await response.body.text()).to.match(/^The request body is not valid JSON/);
    }
    expect(server.errors()).to.deep.equal([]);
  });

  it('errors when the body is cut off before its end', async () => {
    const req = fakeRequest();
    const read = firstValueFrom(readBytes(req));
    req.write('partial');
    req.destroy();
    const error = await read.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal('The request body was cut off before its end');
  });

  it('stops listening to the body when unsubscribed', () => {
    const req = fakeRequest();
    readBytes(req).subscribe().unsubscribe();
    expect(['data', 'end', 'error', 'close'].map((event) => req.listenerCount(event))).to.deep.equal([0, 0, 0, 0]);
  });

  it('throws at the call for a limit that is not an integer >= 0', () => {
    expect(() => readBytes(fakeRequest(), { limit: -1 })).to.throw(InvalidOptionError, 'Expected `limit` to be an integer >= 0, got `-1` (number)');
  });
});
