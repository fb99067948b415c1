import type { Socket } from 'node:net';
import type { GracefulConnection } from '../shutdown/connection.js';

/**
 * A protocol's side of the accept loop: it takes each accepted socket and returns the
 * connection that `GracefulShutdown` watches.
 */
export interface Protocol {
  /** Serves one accepted socket. */
  accept(socket: Socket): GracefulConnection;
  /** Releases what the protocol holds (timers, listeners); connections are not touched. */
  close(): void;
}
