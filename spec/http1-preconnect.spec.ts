// One HTTP/1.1 drain case the WebSocket work ran into: Chromium opens a spare connection
// ahead of need (a preconnect) and sends nothing on it.
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect } from 'chai';
import { closeEverything, start } from './support/harness.js';

describe('http1Protocol and a connection that has sent nothing', () => {
  afterEach(closeEverything);

  it('closes it at once on shutdown, so a browser preconnect does not hold the drain to the deadline', async () => {
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
});
