import { type Observable, filter, merge } from 'rxjs';
import { fromMessages } from './messages.js';
import { fromSignals } from './signals.js';

/**
 * The signal policy of a server process, as a `shutdown$`:
 *
 * - the first SIGTERM, SIGINT or `'shutdown'` IPC message (pm2, a cluster primary) drains;
 * - a later SIGINT (a second Ctrl+C) forces the close;
 * - a later SIGTERM or message is ignored: a process manager that repeats itself, or a
 *   cluster primary forwarding what the process group already got, must not cut requests.
 *
 * ```
 * process:          --T----T-----I---
 * shutdownSignals:  --T----------I---    T drains, I forces
 * ```
 *
 * @example
 * ```ts
 * serve({ handler, shutdown$: shutdownSignals() }).pipe(exitOnClose()).subscribe(log);
 * ```
 */
export function shutdownSignals(): Observable<NodeJS.Signals | 'shutdown'> {
  return merge(fromSignals('SIGINT', 'SIGTERM'), fromMessages('shutdown')).pipe(
    filter((signal, index) => index === 0 || signal === 'SIGINT'),
  );
}
