import {
  NEVER,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  concat,
  defer,
  finalize,
  from,
  ignoreElements,
  tap,
} from 'rxjs';
import type { GracefulConnection } from '../shutdown/connection.js';
import { GracefulShutdown } from '../shutdown/graceful-shutdown.js';
import type { ClosedEvent, OverdueEvent, RemainingEvent, ShutdownEvent, StoppingEvent } from '../events.js';
import { lifecycle } from '../shutdown/lifecycle.js';

/**
 * What {@link simulateServer} runs: `serve()`'s orchestration with the sockets taken out.
 *
 * @example
 * ```ts
 * const options: SimulateServerOptions = {
 *   connections$: cold('a-b', { a: new FakeConnection(), b: new FakeConnection({ drainsIn: 2 }) }),
 *   shutdown$: cold('----s'),
 *   deadline: 10,
 * };
 * ```
 */
export interface SimulateServerOptions {
  /** The accept loop: each connection is watched as it arrives, until the accept stop (the `shutdown` event). */
  readonly connections$?: ObservableInput<GracefulConnection>;
  /** As `serve()`'s: the first emission drains, any later one forces the close. */
  readonly shutdown$: ObservableInput<unknown>;
  /** As `serve()`'s: ms from the first `shutdown$` emission until what is left is destroyed; default 10 000. */
  readonly deadline?: number;
  /** As `serve()`'s: ms from the first `shutdown$` emission to the accept stop; default 0. */
  readonly drainDelay?: number;
  /** What times the drainDelay and the deadline. Default `asyncScheduler`: virtual inside `TestScheduler.run`. */
  readonly scheduler?: SchedulerLike;
  /** The watcher to use, to inspect `count` or watch more connections from the test. */
  readonly graceful?: GracefulShutdown;
}

/**
 * The events of a simulated server: those of `serve()` from `stopping` on.
 *
 * @example
 * ```ts
 * const closed: SimulatedEvent = { type: 'closed', graceful: true, drained: 1, forced: 0 };
 * ```
 */
export type SimulatedEvent = StoppingEvent | ShutdownEvent | RemainingEvent | OverdueEvent | ClosedEvent;

/**
 * Runs `serve()`'s own orchestration — the accept loop taken until the accept stop, a
 * {@link GracefulShutdown} watching every connection, and the drain raced with the
 * deadline and a second `shutdown$` emission — over fake connections, so it can be
 * marble-tested in virtual time. Emits `serve()`'s shutdown events, then completes:
 * `stopping` at the first `shutdown$` emission, `shutdown` at the accept stop (`drainDelay`
 * later), `remaining` when connections close (once a frame), `overdue` (what was still open)
 * if the deadline, counted from that first emission, or a second one comes first, and
 * `closed`.
 * Cold, like `serve()`, and unsubscribing is a hard stop that destroys every connection
 * still open.
 *
 * ```
 * connections$:  a-b-----------     a: drainsIn 4, b: hangs; deadline 6
 * shutdown$:     ----s---------
 * simulated:     ----(ts)r-(oxc|)   t, s = { open: 2 }, r = { open: 1 }, o = overdue [b],
 *                                   x = { open: 0 }, c = { drained: 1, forced: 1 }
 * ```
 *
 * @example
 * ```ts
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const conn = new FakeConnection({ drainsIn: 4 });
 *   expectObservable(simulateServer({ connections$: of(conn), shutdown$: cold('-s'), deadline: 10 })).toBe('-(ts)(rc|)', {
 *     t: { type: 'stopping', open: 1 },
 *     s: { type: 'shutdown', open: 1 },
 *     r: { type: 'remaining', open: 0, byProtocol: {} },
 *     c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
 *   });
 * });
 * ```
 */
export function simulateServer(options: SimulateServerOptions): Observable<SimulatedEvent> {
  return defer(() => {
    const graceful = options.graceful ?? new GracefulShutdown();
    // A listening socket never completes by itself; neither does this accept loop.
    const accepting = concat(from(options.connections$ ?? NEVER), NEVER).pipe(
      tap((conn) => graceful.watch(conn)),
      ignoreElements(),
    );
    return lifecycle({
      accepts$: accepting,
      graceful,
      shutdown$: options.shutdown$,
      deadline: options.deadline ?? 10_000,
      drainDelay: options.drainDelay,
      scheduler: options.scheduler,
    }).pipe(finalize(() => graceful.destroy()));
  });
}
