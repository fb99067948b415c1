import { connect as tlsConnect } from 'node:tls';
import { expect } from 'chai';
import { request } from 'undici';
import type { ErrorEvent } from '../lib/index.js';
import { certificate } from './support/certificates.js';
import { agent, closeEverything, raw, start } from './support/harness.js';

// What docs/errors.md says of ERR_RXSERVE_CLIENT: each report carries the peer's address
// and port, taken when the connection was accepted (a closed socket has forgotten them);
// a client that only went away is not reported.
describe('client error reports', () => {
  afterEach(closeEverything);

  /** Every error event so far, after a request on a connection of its own has been answered. */
  async function errorsAfterARoundTrip(server: Awaited<ReturnType<typeof start>>): Promise<ErrorEvent[]> {
    const response = await request(server.url, { dispatcher: agent() });
    await response.body.text();
    const errors: ErrorEvent[] = [];
    server.events$.subscribe((event) => event.type === 'error' && errors.push(event)).unsubscribe();
    return errors;
  }

  it('carries the address and port of the client that sent a head too large for the parser', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);

    const { remote } = await server.error();

    expect(remote).to.deep.equal({ address: '127.0.0.1', port: client.socket.localPort });
  });

  it('carries the address and port of a client whose TLS handshake failed, once its socket is gone', async () => {
    const { key, cert } = certificate();
    const server = await start({ handler: () => ({ body: 'fine' }), tls: { key, cert } });
    const client = await raw(server.port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

    const { error, remote } = await server.error();

    expect((error.cause as NodeJS.ErrnoException).code).to.match(/^ERR_SSL_/);
    expect(remote).to.deep.equal({ address: '127.0.0.1', port: client.socket.localPort });
  });

  it('does not report a client that resets its connection in the middle of a request', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    client.socket.resetAndDestroy();
    await client.closed;

    expect(await errorsAfterARoundTrip(server)).to.deep.equal([]);
  });

  it('does not report a client that ends its connection in the middle of a request (HPE_INVALID_EOF_STATE)', async () => {
    const server = await start({ handler: () => ({ body: 'fine' }) });
    const client = await raw(server.port);
    client.socket.end('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    await client.closed;

    expect(await errorsAfterARoundTrip(server)).to.deep.equal([]);
  });

  it('carries the address and port of a TLS client that sent garbage after its handshake', async () => {
    const { key, cert } = certificate();
    const server = await start({ handler: () => ({ body: 'fine' }), tls: { key, cert } });
    const socket = tlsConnect({ port: server.port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    const port = socket.localPort;
    socket.write('NOT HTTP\r\n\r\n');

    const { remote } = await server.error();
    socket.destroy();

    expect(remote).to.deep.equal({ address: '127.0.0.1', port });
  });
});
