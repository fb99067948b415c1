import { expect } from 'chai';
import { Agent } from 'node:http';
import { type Socket, connect } from 'node:net';
import { once } from 'node:events';
import { Subject } from 'rxjs';
import sinon from 'sinon';
import { IdleSweep } from '../lib/protocols/idle-sweep.js';
import { get, tcpHandlesLeft, signal, start, type TestServer } from './support/harness.js';

const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('IdleSweep', () => {
  it('sweeps once at the end of the tick, however many connections asked', async () => {
    const closeIdle = sinon.spy();
    const sweep = new IdleSweep(closeIdle);
    sweep.request();
    sweep.request();
    expect(closeIdle.called).to.equal(false);
    await microtask();
    expect(closeIdle.callCount).to.equal(1);
  });

  it('waits for the last response in flight, which a sweep could cut short while it is flushed', async () => {
    const closeIdle = sinon.spy();
    const sweep = new IdleSweep(closeIdle);
    sweep.responseBegan();
    sweep.responseBegan();
    sweep.request();
    sweep.responseEnded();
    await microtask();
    expect(closeIdle.called).to.equal(false);
    sweep.responseEnded();
    await microtask();
    expect(closeIdle.callCount).to.equal(1);
  });

  it('waits for the last idleGrace, which a sweep would end early', async () => {
    const closeIdle = sinon.spy();
    const sweep = new IdleSweep(closeIdle);
    sweep.graceBegan();
    sweep.request();
    await microtask();
    expect(closeIdle.called).to.equal(false);
    sweep.graceEnded();
    await microtask();
    expect(closeIdle.callCount).to.equal(1);
  });

  it('never sweeps unasked', async () => {
    const closeIdle = sinon.spy();
    const sweep = new IdleSweep(closeIdle);
    sweep.responseBegan();
    sweep.responseEnded();
    sweep.graceBegan();
    sweep.graceEnded();
    await microtask();
    expect(closeIdle.called).to.equal(false);
  });
});

describe('draining HTTP/1.1 while a response is flushed to a slow reader (end to end)', () => {
  let server: TestServer | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    server?.subscription.unsubscribe();
    server = undefined;
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  it('sends the whole response, though another connection has sent half a request, then serves that request', async () => {
    const body = Buffer.alloc(16 * 2 ** 20, 'a'); // far more than the socket buffers hold
    const bigAsked = signal();
    const shutdown$ = new Subject<void>();
    server = await start({
      handler: (req) => (req.url === '/big' ? (bigAsked.resolve(), { body }) : { body: 'second' }),
      shutdown$,
    });
    const half = connect(server.port, '127.0.0.1');
    const slow = connect(server.port, '127.0.0.1');
    sockets.push(half, slow);
    await Promise.all([once(half, 'connect'), once(slow, 'connect')]);
    half.write('GET /second HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // A whole round trip on a third connection: the server has read the half request by then.
    const agent = new Agent();
    await get(server.url, { agent });
    agent.destroy();
    slow.pause();
    slow.write('GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await bigAsked.promise;
    shutdown$.next();
    await server.next('shutdown');
    // Only now read: the response is still being flushed.
    let received = 0;
    slow.on('data', (chunk: Buffer) => (received += chunk.length));
    slow.resume();
    await once(slow, 'close');
    expect(received - body.length, 'head only missing from the body count').to.be.within(1, 512);
    let answer = '';
    half.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    half.end('\r\n');
    await once(half, 'close');
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).to.match(/\r\nconnection: close\r\n/i);
    expect(await server.next('closed')).to.deep.equal({ type: 'closed', graceful: true, drained: 2, forced: 0 });
  });
});
