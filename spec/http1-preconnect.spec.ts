// One HTTP/1.1 drain case the WebSocket work ran into: Chromium opens a spare connection
// ahead of need (a preconnect) and sends nothing on it.
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect } from 'chai';
import { NEXT_REQUEST_WAIT } from '../lib/protocols/http1.js';
import { closeEverything, raw, start } from './support/harness.js';

describe('http1Protocol and a connection that has sent nothing', () => {
  afterEach(closeEverything);

  it('closes it on shutdown, so a browser preconnect does not hold the drain to the deadline', async () => {
    const server = await start({ deadline: 60_000 });
    const preconnect = connect(server.port, '127.0.0.1');
    preconnect.on('error', () => undefined);
    await once(preconnect, 'connect');
    const gone = once(preconnect, 'close');
    // Accepted on the server's side before the shutdown: one round trip over a second socket.
    const probe = await fetch(server.url, { headers: { connection: 'close' } });
    await probe.text();
    server.shutdown();
    expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 1 });
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
    await gone;
  });

  it(`answers the first request of a connection accepted just before the accept stop (within ${NEXT_REQUEST_WAIT} ms) with Connection: close, instead of resetting it`, async () => {
    const server = await start({ deadline: 60_000 });
    const late = await raw(server.port);
    const probe = await fetch(server.url, { headers: { connection: 'close' } });
    await probe.text();
    server.shutdown();
    expect(await server.next('shutdown')).to.deep.equal({ type: 'shutdown', open: 1 });
    // The request a client sends right after connecting, arriving after the accept stop.
    late.socket.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await late.closed;
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).to.include('connection: close');
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('answers a request written onto an idle keep-alive connection just before the accept stop, that the server had not read yet', async () => {
    const server = await start({ deadline: 60_000 });
    const client = await raw(server.port);
    client.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = (await client.receive('plain answer')).length;
    // In the kernel before the shutdown, not yet read by the server: its loop has not polled.
    client.socket.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    server.shutdown();
    const answer = (await client.closed).slice(first);
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).to.include('connection: close');
    expect(await server.closed).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });
});
