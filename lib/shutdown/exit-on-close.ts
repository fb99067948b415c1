import type { Cluster } from 'node:cluster';
import { type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { ServerEvent } from '../events.js';

/**
 * Lets the process end by itself, with an exit code that says how the server closed:
 *
 * - sets `process.exitCode` to 1 when the close was forced (the deadline, or a forcing
 *   signal) or the server could not serve at all; a graceful close leaves it alone (0);
 * - in a `node:cluster` worker, disconnects from the primary once closed: the cluster's
 *   IPC channel would otherwise keep the worker alive.
 *
 * It never calls `process.exit()`: once server$ completes, the signal listeners and every
 * socket have let go, so the process exits after its output is flushed. A process that
 * does not exit then holds something else open (a timer, a database pool).
 *
 * ```
 * server$:   -l--d--s--(c|)     c = { type: 'closed', graceful: false, ... }
 * exitCode:  ----------1
 * ```
 *
 * @example
 * ```ts
 * serve({ handler, shutdown$: shutdownSignals() }).pipe(exitOnClose()).subscribe(log);
 * ```
 */
export function exitOnClose<T extends ServerEvent>(): MonoTypeOperatorFunction<T> {
  return tap({
    next: (event) => {
      if (event.type !== 'closed') return;
      if (!event.graceful) process.exitCode = 1;
      disconnectFromPrimary();
    },
    error: () => {
      process.exitCode = 1;
      disconnectFromPrimary();
    },
  });
}

// node:cluster (with the child_process and dgram it brings) is loaded only by a process
// with an IPC channel, as every cluster worker has: not by every server that imports rxserve.
function disconnectFromPrimary(): void {
  if (process.channel === undefined) return;
  // The module itself, not a namespace: node's cluster exports one object.
  const cluster = process.getBuiltinModule('node:cluster') as unknown as Cluster;
  if (cluster.isWorker) cluster.worker?.disconnect();
}
