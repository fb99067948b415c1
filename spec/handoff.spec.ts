import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import { EMPTY, NEVER, Subject, firstValueFrom, of } from 'rxjs';
import { handoff } from '../lib/protocols/handoff.js';
import type { GracefulConnection } from '../lib/index.js';
import { FakeConnection } from '../lib/testing/index.js';

/** Just what handoff() touches of a socket: 'close' and destroy(). */
function fakeSocket(): Socket & { destroy: sinon.SinonSpy } {
  const socket = new EventEmitter() as Socket & { destroy: sinon.SinonSpy };
  socket.destroy = sinon.spy(() => {
    socket.emit('close');
    return socket;
  });
  return socket;
}

describe('handoff', () => {
  it('destroys the socket at once when shut down before a protocol is chosen', () => {
    const socket = fakeSocket();
    const decided$ = new Subject<never>();
    const connection = handoff(socket, decided$, 'tls');

    connection.gracefulShutdown();

    expect(socket.destroy.calledOnce).to.equal(true);
    expect(decided$.observed).to.equal(false);
  });

  it('passes both verbs to the connection the protocol returned, once chosen', () => {
    const socket = fakeSocket();
    const served = new FakeConnection();
    const connection = handoff(socket, of(served), 'tls');

    connection.gracefulShutdown();
    connection.destroy();

    expect(served.calls.map(({ method }) => method)).to.deep.equal(['gracefulShutdown', 'destroy']);
    expect(socket.destroy.called).to.equal(false);
  });

  it('drops a decision still under way when shut down, so no protocol gets the closed socket', () => {
    const socket = fakeSocket();
    const decided$ = new Subject<FakeConnection>();
    const connection = handoff(socket, decided$, 'tls');

    connection.gracefulShutdown();
    connection.gracefulShutdown();

    expect(decided$.observed).to.equal(false);
    expect(socket.destroy.calledOnce).to.equal(true);
  });

  it('closes the socket when the decision ends without a connection (a failed handshake)', () => {
    const socket = fakeSocket();

    handoff(socket, EMPTY, 'tls');

    expect(socket.destroy.calledOnce).to.equal(true);
  });

  it('counts as closed when the accepted socket closes, whatever was layered on it', async () => {
    const socket = fakeSocket();
    const connection = handoff(socket, of(new FakeConnection()), 'tls');
    const closed = firstValueFrom(connection.closed$);

    socket.emit('close');

    await closed;
  });

  it('destroys the socket when destroyed before a protocol is chosen, and only once', () => {
    const socket = fakeSocket();
    const connection = handoff(socket, NEVER, 'tls');

    connection.destroy();
    connection.destroy();
    connection.gracefulShutdown();

    expect(socket.destroy.calledOnce).to.equal(true);
  });
});

describe('handoff, described', () => {
  it('is counted under its own label while deciding, and describes the chosen connection once decided', () => {
    const socket = new EventEmitter() as unknown as Socket;
    Object.assign(socket, { destroy: () => undefined, remoteAddress: '127.0.0.1', remotePort: 4000 });
    const decided$ = new Subject<GracefulConnection>();
    const connection = handoff(socket, decided$, 'tls');
    expect(connection.protocol).to.equal('tls');
    expect(connection.describe?.()).to.deep.equal({ protocol: 'tls', remote: { address: '127.0.0.1', port: 4000 }, requests: [] });
    const chosen = new FakeConnection({ protocol: 'http2', info: { protocol: 'http2', requests: [{ method: 'GET', url: '/', age: 5 }] } });
    decided$.next(chosen);
    expect(connection.describe?.()).to.deep.equal({ protocol: 'http2', requests: [{ method: 'GET', url: '/', age: 5 }] });
  });
});
