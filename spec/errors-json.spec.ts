import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import {
  AcceptError,
  BodyTooLargeError,
  ClientError,
  HandlerError,
  HttpError,
  InvalidJsonError,
  InvalidOptionError,
  InvalidReplyError,
  ListenError,
  RxServeError,
  TlsError,
  serve,
} from '../lib/index.js';
import { agent, closeEverything, raw, start } from './support/harness.js';
import { request } from 'undici';

/** What a log line made with `JSON.stringify(event)` says, read back. */
const logged = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

describe('rxserve errors in JSON logs', () => {
  afterEach(closeEverything);

  it('serialize with their name, code and message, and their cause’s name, code and message', () => {
    const errno = Object.assign(new Error('address in use'), { code: 'EADDRINUSE' });
    const errors: RxServeError[] = [
      new InvalidOptionError('deadline', 'a finite number >= 0', -1),
      new ListenError('127.0.0.1:80', errno),
      new AcceptError(Object.assign(new Error('too many open files'), { code: 'EMFILE' })),
      new HandlerError('GET', '/', new TypeError('x is undefined')),
      new InvalidReplyError('Expected a Reply'),
      new ClientError(Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' })),
      new HttpError(404, 'No such user'),
      new BodyTooLargeError(1024),
      new InvalidJsonError(new SyntaxError('Unexpected token')),
      new TlsError(Object.assign(new Error('key values mismatch'), { code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' })),
    ];
    for (const error of errors) {
      const json = logged(error);
      expect(json, error.name).to.include({ name: error.name, code: error.code, message: error.message });
      const cause = error.cause as NodeJS.ErrnoException | undefined;
      if (cause) expect(json['cause'], `${error.name}'s cause`).to.deep.include({ name: cause.name, message: cause.message, ...(cause.code ? { code: cause.code } : {}) });
    }
    expect(logged(errors[0])).to.include({ option: 'deadline' });
    expect(logged(errors[1])).to.include({ syscallCode: 'EADDRINUSE' });
    expect(logged(errors[6])).to.include({ status: 404 });
    expect(logged(errors[7])).to.include({ limit: 1024 });
  });

  it('logs a failed handler with its message and what it threw', async () => {
    const server = await start({
      handler: () => {
        throw new Error('db down');
      },
    });
    const response = await request(server.url, { dispatcher: agent() });
    await response.body.dump();

    const event = logged(await server.error());

    expect(event['error']).to.deep.include({ name: 'HandlerError', code: 'ERR_RXSERVE_HANDLER', message: 'Handler failed for GET /: db down' });
    expect((event['error'] as { cause: unknown }).cause).to.deep.include({ name: 'Error', message: 'db down' });
    expect(event['request']).to.deep.equal({ method: 'GET', url: '/' });
  });

  it('logs a client error with the parser’s code', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);

    const event = logged(await server.error());

    expect((event['error'] as { cause: unknown }).cause).to.deep.include({ code: 'HPE_HEADER_OVERFLOW' });
  });

  it('logs a ListenError with the system’s code', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const error = await lastValueFrom(serve({ port: server.port, host: '127.0.0.1', handler: () => ({}) })).catch((e: unknown) => e);

    expect(logged(error)).to.deep.include({ name: 'ListenError', code: 'ERR_RXSERVE_LISTEN', syscallCode: 'EADDRINUSE' });
    expect(logged(error)['cause']).to.deep.include({ code: 'EADDRINUSE' });
  });
});
