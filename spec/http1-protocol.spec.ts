import { once } from 'node:events';
import { Server } from 'node:http';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import { http1Protocol } from '../lib/protocols/http1.js';
import { closed, tcpHandlesLeft } from './support/harness.js';

describe('http1Protocol.close()', () => {
  afterEach(async () => {
    sinon.restore();
    expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
  });

  const protocolWithSpy = () => {
    const close = sinon.spy(Server.prototype, 'close');
    const protocol = http1Protocol({ onRequest: (_req, res) => res.end('hi'), report: () => undefined });
    return { close, protocol };
  };

  it("closes node's private server at once when no socket is open", () => {
    const { close, protocol } = protocolWithSpy();
    protocol.close();
    expect(close.calledOnce).to.equal(true);
  });

  it("closes it only once its last socket has closed: its close() walks every socket still listed", async () => {
    const listener = createServer({ allowHalfOpen: true, noDelay: true });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    const [socket] = (await once(listener, 'connection')) as [Socket];
    listener.close();
    const { close, protocol } = protocolWithSpy();
    protocol.accept(socket);

    protocol.close();
    expect(close.called, 'not while the socket is open').to.equal(false);
    const socketClosed = once(socket, 'close'); // its listeners, the protocol's among them, have run
    socket.destroy();
    await socketClosed;
    expect(close.calledOnce).to.equal(true);
    client.destroy();
    await closed(client);
  });
});
