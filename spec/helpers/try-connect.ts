import { connect } from 'node:net';

/** Connects to 127.0.0.1:`port` and hangs up: resolves `connected`, or the error's code (`ECONNREFUSED`). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
