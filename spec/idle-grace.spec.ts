import { expect } from 'chai';
import { Agent } from 'node:http';
import sinon from 'sinon';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { closed, get, raw, tcpHandlesLeft, start, type TestServer } from './support/harness.js';
import { fakeTimers } from './support/fake-timers.js';

describe('serve({ idleGrace }) (the keep-alive race, end to end)', () => {
  let server: TestServer | undefined;
  let agent: Agent;
  let clock: sinon.SinonFakeTimers | undefined;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
    // Only timers are faked: faking nextTick or queueMicrotask would stall real sockets.
    clock = fakeTimers();
  });

  afterEach(async () => {
    clock?.restore();
    server?.subscription.unsubscribe();
    server = undefined;
    agent.destroy();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('answers a request sent on an idle keep-alive connection during the grace, with Connection: close, then closes it', async () => {
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'hi' }), shutdown$, idleGrace: 1_000 });
    const first = await get(server.url, { agent });
    shutdown$.next();
    expect((await server.next('shutdown')).open).to.equal(1);
    const late = await get(server.url, { agent });
    expect(late.socket, 'the idle connection was reused, not replaced').to.equal(first.socket);
    expect(late.status).to.equal(200);
    expect(late.body).to.equal('hi');
    expect(late.headers.connection).to.equal('close');
    await closed(late.socket);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('closes an idle keep-alive connection that stays idle when the grace ends, not before', async () => {
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'hi' }), shutdown$, idleGrace: 1_000 });
    const { socket } = await get(server.url, { agent });
    shutdown$.next();
    await server.next('shutdown');
    let closedEvent: unknown;
    void server.next('closed').then((event) => (closedEvent = event));
    await clock!.tickAsync(999);
    expect(socket.closed, 'still open during the grace').to.equal(false);
    expect(closedEvent).to.equal(undefined);
    await clock!.tickAsync(1);
    await closed(socket);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('answers a request the kernel holds, unread, when the grace ends, instead of resetting it', async () => {
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'hi' }), shutdown$, idleGrace: 1_000 });
    const client = await raw(server.port);
    client.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = (await client.receive('hi')).length;
    shutdown$.next();
    await server.next('shutdown');
    await clock!.tickAsync(999);
    // Written as the grace ends, and the grace's timer fires in the same turn, before the loop reads it.
    client.socket.write('GET /last HTTP/1.1\r\nHost: x\r\n\r\n');
    clock!.tick(1);
    const answer = (await client.closed).slice(first);
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).to.include('connection: close');
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });

  it('still forces a connection idle past the deadline when the deadline is the shorter', async () => {
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'hi' }), shutdown$, idleGrace: 5_000, deadline: 1_000 });
    const { socket } = await get(server.url, { agent });
    shutdown$.next();
    await server.next('shutdown');
    await clock!.tickAsync(1_000);
    await closed(socket);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: false, drained: 0, forced: 1 });
  });

  it('times the grace on the scheduler option, as it times the deadline (a TestScheduler)', async () => {
    const testScheduler = new TestScheduler(() => undefined);
    // Virtual time runs to the end of the grace, not on to the deadline.
    testScheduler.maxFrames = 1_000;
    const shutdown$ = new Subject<void>();
    server = await start({ handler: () => ({ body: 'hi' }), shutdown$, idleGrace: 1_000, deadline: 5_000, scheduler: testScheduler });
    const { socket } = await get(server.url, { agent });
    shutdown$.next();
    await server.next('shutdown');
    testScheduler.flush();
    expect(testScheduler.now(), 'virtual time ran to the end of the grace').to.equal(1_000);
    await closed(socket);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 1, forced: 0 });
  });
});
