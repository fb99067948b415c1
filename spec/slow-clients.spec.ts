import { expect } from 'chai';
import { Agent } from 'node:http';
import { type Socket, connect } from 'node:net';
import sinon from 'sinon';
import { Subject } from 'rxjs';
import type { ServerEvent } from '../lib/index.js';
import { closed, get, tcpHandlesLeft, start, type TestServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

/** A slowloris client: connected, with a request head begun and never finished. */
function slowClient(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

describe('slow clients (slowloris, end to end)', () => {
  const SLOW = 200;
  let server: TestServer | undefined;
  let agent: Agent;
  let clock: sinon.SinonFakeTimers | undefined;
  let slow: Socket[] = [];

  beforeEach(() => {
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Only timers are faked: faking nextTick or queueMicrotask would stall real sockets.
    clock = fakeTimers();
  });

  afterEach(async () => {
    clock?.restore();
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    for (const socket of slow.splice(0)) socket.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('serves normal clients while slow request heads hang, and still closes at the deadline, forcing only those', async () => {
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'fine' }), shutdown$, deadline: 1_000 });
    slow = await Promise.all(Array.from({ length: SLOW }, () => slowClient(server!.port)));
    // Written after every slow head: by the time these are answered, the server has read them.
    for (let i = 0; i < 3; i++) expect((await get(server.url, { agent })).body).to.equal('fine');
    shutdown$.next();
    expect((await server.next('shutdown')).open).to.equal(SLOW + 1);
    let closedEvent: ServerEvent | undefined;
    void server.next('closed').then((event) => (closedEvent = event));
    await clock!.tickAsync(999);
    expect(closedEvent, 'half-received requests are waited for until the deadline').to.equal(undefined);
    await clock!.tickAsync(1);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 1, forced: SLOW });
    await Promise.all(slow.map(closed));
  });
});
