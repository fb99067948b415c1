import { once } from 'node:events';
import { type Socket, connect, createServer } from 'node:net';
import { expect } from 'chai';
import { refuseUpgrade } from '../lib/protocols/refuse-upgrade.js';

describe('refuseUpgrade', () => {
  it('writes a complete HTTP answer, then closes the socket', async () => {
    const server = createServer((socket) => refuseUpgrade(socket, 503, 'shutting down\n', { 'Retry-After': '1' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client: Socket = connect(port, '127.0.0.1');
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(client, 'close');
    server.close();
    await once(server, 'close');
    expect(answer).to.equal(
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 14\r\nRetry-After: 1\r\n\r\nshutting down\n',
    );
  });

  it('destroys a socket that can no longer be written to, without throwing', () => {
    const socket = connect({ port: 1, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    socket.destroy();
    expect(() => refuseUpgrade(socket, 404)).to.not.throw();
    expect(socket.destroyed).to.equal(true);
  });
});
