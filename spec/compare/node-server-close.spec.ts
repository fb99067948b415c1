import { Agent, type IncomingMessage, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { tryConnect } from '../helpers/try-connect.js';

// What node's own `server.close()` does on this node version, so the README's comparison
// states it from a test rather than from memory.
describe("node's http server.close(), for comparison", () => {
  let server: Server;
  let agent: Agent;
  let closed: Promise<void>;

  beforeEach(() => {
    agent = new Agent({ keepAlive: true });
  });

  afterEach(async () => {
    // node keeps a connection whose response was in flight at close() open until its
    // keepAliveTimeout: not waited for here.
    server.closeAllConnections();
    await closed;
    agent.destroy();
  });

  async function start(onRequest: (path: string, end: (body: string) => void) => void): Promise<number> {
    server = createServer((req, res) => onRequest(req.url ?? '', (body) => res.end(body)));
    // Longer than the test's timeout, so an idle connection closed is closed by close().
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  function close(): void {
    closed = new Promise((resolve) => server.close(() => resolve()));
  }

  function get(port: number, path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => request({ host: '127.0.0.1', port, path, agent }, resolve).on('error', reject).end());
  }

  function drained(res: IncomingMessage): Promise<void> {
    return new Promise((resolve) => res.resume().on('end', resolve));
  }

  it('stops accepting at once: a new connect is refused', async () => {
    const port = await start((path, end) => end('hi'));
    close();
    const refused = await tryConnect(port);
    expect(refused).to.equal('ECONNREFUSED');
  });

  it('closes an idle keep-alive connection at once', async () => {
    const port = await start((path, end) => end('hi'));
    const res = await get(port, '/');
    const socketClosed = new Promise((resolve) => res.socket.once('close', resolve));
    await drained(res);
    close();
    await socketClosed;
    await closed;
  });

  it('lets a request in flight finish, but its response still says Connection: keep-alive', async () => {
    let finish!: (body: string) => void;
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const port = await start((path, end) => {
      finish = end;
      arrive();
    });
    const response = get(port, '/slow');
    await arrived;
    close();
    finish('done');
    const res = await response;
    expect(res.headers.connection).to.equal('keep-alive');
    await drained(res);
  });
});
