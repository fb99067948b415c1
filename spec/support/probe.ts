import { type Socket, connect } from 'node:net';

/** What became of a raw GET: answered (the socket is left open) or dropped unanswered. */
export type Probe = { readonly answered: true; readonly socket: Socket } | { readonly answered: false; readonly error?: string };

/**
 * Opens a connection to 127.0.0.1:`port` and writes a keep-alive GET; resolves on the first
 * byte of the answer (leaving the socket open for the caller to close) or when the server
 * closes or resets the connection without answering.
 */
export function probe(port: number): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let error: string | undefined;
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.once('data', () => {
      socket.removeAllListeners('close');
      resolve({ answered: true, socket });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.once('close', () => resolve({ answered: false, ...(error === undefined ? {} : { error }) }));
  });
}
