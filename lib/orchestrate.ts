import {
  EMPTY,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  concat,
  connect,
  defer,
  filter,
  from,
  map,
  merge,
  of,
  takeUntil,
} from 'rxjs';
import { drain } from './drain.js';
import type { ClosedEvent, ShutdownEvent } from './events.js';
import type { GracefulShutdown } from './graceful.js';

/**
 * What {@link orchestrate} composes.
 *
 * @example
 * ```ts
 * const options: OrchestrateOptions<ListenEvent> = { accepting: listen({ port: 0 }), graceful, shutdown$, deadline: 10_000 };
 * ```
 */
export interface OrchestrateOptions<E> {
  /** The accept loop's events; it is unsubscribed at the first `shutdown$` emission. */
  readonly accepting: Observable<E>;
  /** Watches the accepted connections; told to shut down when the accept loop stops. */
  readonly graceful: GracefulShutdown;
  /** The first emission starts the graceful shutdown, any later one forces it. */
  readonly shutdown$: ObservableInput<unknown>;
  /** Milliseconds from the start of shutdown until what is left is destroyed. */
  readonly deadline: number;
  /** What times the deadline; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Called once every connection has been told to shut down (so after `gracefulShutdown()`). */
  readonly onDraining?: () => void;
}

/**
 * A server's lifecycle, sockets aside: the accept loop's events until `shutdown$` first
 * emits, then a `shutdown` event and the drain of `graceful` raced with the deadline and
 * any later `shutdown$` emission, ending with a `closed` event. `serve()` runs it over
 * real sockets, `rxserve/testing`'s `simulateServer()` over fake connections.
 *
 * ```
 * accepting:  -l--c--c--------
 * shutdown$:  ---------s------
 * result:     -l-------d---(c|)    d = shutdown, c = closed
 * ```
 *
 * @example
 * ```ts
 * orchestrate({ accepting, graceful, shutdown$: fromSignals('SIGTERM'), deadline: 10_000 }).subscribe(console.log);
 * ```
 */
export function orchestrate<E>(options: OrchestrateOptions<E>): Observable<E | ShutdownEvent | ClosedEvent> {
  const { graceful } = options;
  // The emissions are indexed once and shared: the first stops the accept loop and starts
  // the drain, a later one is the drain's force$.
  return from(options.shutdown$).pipe(
    map((_, index) => index),
    connect((signals$) =>
      concat(
        options.accepting.pipe(takeUntil(signals$)),
        defer(() =>
          concat(
            of<ShutdownEvent>({ type: 'shutdown', open: graceful.count }),
            merge(
              drain(graceful, {
                deadline: options.deadline,
                scheduler: options.scheduler,
                force$: signals$.pipe(filter((index) => index > 0)),
              }).pipe(map((result): ClosedEvent => ({ type: 'closed', ...result }))),
              // Subscribed after drain(), which tells every connection on subscribe.
              defer(() => {
                options.onDraining?.();
                return EMPTY;
              }),
            ),
          ),
        ),
      ),
    ),
  );
}
