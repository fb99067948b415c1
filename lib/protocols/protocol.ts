import type { Socket } from 'node:net';
import type { GracefulConnection } from '../shutdown/graceful-shutdown.js';

/**
 * A protocol's side of the accept loop: it takes each accepted socket and returns the
 * connection that `GracefulShutdown` watches.
 *
 * @example
 * ```ts
 * listen(options).subscribe((e) => e.type === 'connection' && graceful.watch(protocol.accept(e.socket)));
 * ```
 */
export interface Protocol {
  /** Serves one accepted socket. */
  accept(socket: Socket): GracefulConnection;
  /** Releases what the protocol holds (timers, listeners); connections are not touched. */
  close(): void;
}
