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

/** What became of raw bytes sent on a connection of their own. */
export interface RawOutcome {
  /** The server's first bytes, when it answered ("HTTP/1.1 400 ..."). */
  readonly statusLine: string | undefined;
  /** The connection was still open `timeout` ms after the bytes were sent, and was cut. */
  readonly hung: boolean;
}

/**
 * Sends `bytes` on a new connection to 127.0.0.1:`port`, ends its side, and resolves
 * once the server has closed the connection, with the status line if it answered. With
 * `timeout`, a connection still open that long is destroyed and reported as hung.
 */
export function sendRaw(port: number, bytes: Uint8Array, timeout?: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let hung = false;
    const timer = timeout === undefined ? undefined : setTimeout(() => ((hung = true), socket.destroy()), timeout);
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 64) head += chunk.toString('latin1', 0, 64);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ statusLine: head.startsWith('HTTP/') ? head.split('\r\n')[0] : undefined, hung });
    });
    socket.end(bytes);
  });
}
