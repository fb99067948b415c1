import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers an upgrade request with a plain HTTP response and closes the socket once it is
 * written: the client sees a status and a reason, never a reset.
 *
 * The socket of an upgrade request has left node's HTTP parser, and with it node's
 * `'error'` listener; one is added here so a peer that resets meanwhile cannot crash the
 * process.
 */
export function refuseUpgrade(socket: Duplex, status: number, message = STATUS_CODES[status] ?? '', headers: Record<string, string> = {}): void {
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(message)),
    ...headers,
  };
  const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${message}`);
}
