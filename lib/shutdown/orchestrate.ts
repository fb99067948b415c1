import { type Observable, type ObservableInput, type SchedulerLike, connect, filter, merge, takeUntil } from 'rxjs';
import type { GracefulShutdown } from './graceful-shutdown.js';
import { type ShutdownSequenceEvent, shutdownSequence } from './shutdown-sequence.js';

/**
 * What {@link orchestrate} composes.
 *
 * @example
 * ```ts
 * const options: OrchestrateOptions<ListenEvent> = { accepting: listen({ port: 0 }), graceful, shutdown$, deadline: 10_000 };
 * ```
 */
export interface OrchestrateOptions<E> {
  /** The accept loop's events; it is unsubscribed at the accept stop (the `shutdown` event). */
  readonly accepting: Observable<E>;
  /** Watches the accepted connections; told to shut down at the accept stop. */
  readonly graceful: GracefulShutdown;
  /** The first emission starts the graceful shutdown, any later one forces it. */
  readonly shutdown$: ObservableInput<unknown>;
  /** Milliseconds from the first `shutdown$` emission until what is left is destroyed. */
  readonly deadline: number;
  /** Milliseconds from the first `shutdown$` emission to the accept stop; default 0. */
  readonly drainDelay?: number;
  /** What times the delay and the deadline; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A server's lifecycle, sockets aside: the accept loop's events merged with the
 * {@link shutdownSequence} of `graceful`, the accept loop being stopped at its `shutdown`
 * event. `serve()` runs it over real sockets, `rxserve/testing`'s `simulateServer()` over
 * fake connections.
 *
 * ```
 * accepting:  -l--a--b---------     graceful watches one connection, which closes 4 ms
 * shutdown$:  ---------s-------     after it is told
 * result:     -l--a--b-(ds)(rc|)    d = draining, s = shutdown, r = remaining, c = closed
 * ```
 *
 * @example
 * ```ts
 * orchestrate({ accepting, graceful, shutdown$: fromSignals('SIGTERM'), deadline: 10_000 }).subscribe(console.log);
 * ```
 */
export function orchestrate<E>(options: OrchestrateOptions<E>): Observable<E | ShutdownSequenceEvent> {
  return shutdownSequence(options.graceful, options.shutdown$, options).pipe(
    connect((sequence$) =>
      merge(
        sequence$,
        // Subscribed after sequence$: the `shutdown` event is out before the accept stop,
        // and the accept stop comes before connections are told.
        options.accepting.pipe(takeUntil(sequence$.pipe(filter((event) => event.type === 'shutdown')))),
      ),
    ),
  );
}
