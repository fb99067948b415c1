/**
 * A child process holding many idle keep-alive connections (for drain and memory benches):
 *
 *   parent → { type: 'open', port, connections }   child → { type: 'ready', open }
 *                                                   child → { type: 'allClosed' } once the server closed them all
 *
 * Each connection sends one GET and reads its whole answer, so the server sees it as an
 * idle keep-alive connection (not one that has sent nothing yet).
 */
import { type Socket, connect } from 'node:net';
import { fromParent, toParent } from './child.js';

const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
/** Connects in flight at once: the listen backlog must never overflow (a SYN retry costs 1 s). */
const BATCH = 200;

function openOne(port: number, sockets: Set<Socket>, onClose: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (seen.endsWith('Hello World!')) {
        socket.off('data', onData);
        socket.on('data', () => undefined);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.once('close', () => {
      sockets.delete(socket);
      onClose();
    });
    sockets.add(socket);
    socket.write(REQUEST);
  });
}

fromParent(async (message) => {
  if (message.type !== 'open') return;
  const { port, connections } = message as unknown as { port: number; connections: number };
  const sockets = new Set<Socket>();
  let ready = false;
  const onClose = (): void => {
    if (ready && sockets.size === 0) toParent({ type: 'allClosed' });
  };
  for (let i = 0; i < connections; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, connections - i) }, () => openOne(port, sockets, onClose)));
  }
  ready = true;
  toParent({ type: 'ready', open: sockets.size });
});
