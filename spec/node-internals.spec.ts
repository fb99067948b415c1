import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, type Socket, connect, createServer as createNetServer } from 'node:net';
import { expect } from 'chai';
import { QUEUED_RESPONSES_CLOSE_WITH_SOCKET, rememberRemote, remoteOf } from '../lib/node-internals.js';
import { pipelinedGets } from './support/http1-wire.js';

// Each node behaviour lib/node-internals.ts relies on, checked against plain node on the
// line running the suite: a spec here fails on a node line where the behaviour changed.
describe(`node ${process.version}: the behaviour rxserve relies on`, () => {
  it(`${QUEUED_RESPONSES_CLOSE_WITH_SOCKET ? 'closes' : 'never closes'} a pipelined response still queued when its socket closes (QUEUED_RESPONSES_CLOSE_WITH_SOCKET)`, async () => {
    const responses: ServerResponse[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => void responses.push(res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      client.on('error', () => undefined);
      const serverSocket = once(server, 'connection');
      client.write(pipelinedGets(2));
      while (responses.length < 2) await once(server, 'request');
      const queued = responses[1]!;
      let queuedClosed = false;
      queued.once('close', () => (queuedClosed = true));

      client.resetAndDestroy();
      const [socket] = await serverSocket;
      // Not events.once(): it rejects on the reset's 'error'.
      if (!socket.closed) await new Promise((resolve) => socket.once('close', resolve));
      // node 24 closes it a tick after the socket's 'close'; two turns cover that.
      await new Promise(setImmediate);
      await new Promise(setImmediate);

      expect(queued.socket, 'a queued response has no socket').to.equal(null);
      expect(queuedClosed).to.equal(QUEUED_RESPONSES_CLOSE_WITH_SOCKET);
    } finally {
      server.close();
    }
  });

  it('keeps the peer of a socket once read, after the socket has closed (rememberRemote)', async () => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const accepted = once(server, 'connection');
      const first = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [remembered] = (await accepted) as [Socket];
      rememberRemote(remembered);
      const acceptedToo = once(server, 'connection');
      const second = connect((server.address() as AddressInfo).port, '127.0.0.1');
      const [forgotten] = (await acceptedToo) as [Socket];
      const ports = [first.localPort, second.localPort];

      for (const socket of [remembered, forgotten]) {
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.destroy();
        await closed;
      }
      first.destroy();
      second.destroy();

      expect(remoteOf(remembered)).to.deep.equal({ address: '127.0.0.1', port: ports[0] });
      expect(remoteOf(forgotten), 'a closed socket whose peer nobody read').to.deep.equal({ address: undefined, port: undefined });
    } finally {
      server.close();
    }
  });
});
