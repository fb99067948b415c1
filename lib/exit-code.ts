import { type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { ServerEvent } from './events.js';

/**
 * Sets `process.exitCode` to 1 when the server closed by force (the deadline, or a second
 * shutdown$ emission) or could not serve at all; a graceful close leaves it alone (0).
 *
 * It never calls `process.exit()`: once server$ completes, `fromSignals` and every socket
 * have let go, so the process exits by itself, after its output is flushed. A process
 * that does not exit then holds something else open (a timer, a database pool).
 *
 * ```
 * server$:   -l--d--s--(c|)     c = { type: 'closed', graceful: false, ... }
 * exitCode:  ----------1
 * ```
 *
 * @example
 * ```ts
 * serve({ handler, shutdown$: fromSignals('SIGINT', 'SIGTERM') }).pipe(setExitCode()).subscribe(log);
 * ```
 */
export function setExitCode<T extends ServerEvent>(): MonoTypeOperatorFunction<T> {
  return tap({
    next: (event) => {
      if (event.type === 'closed' && !event.graceful) process.exitCode = 1;
    },
    error: () => {
      process.exitCode = 1;
    },
  });
}
