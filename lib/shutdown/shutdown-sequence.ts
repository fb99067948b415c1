import {
  Observable,
  type ObservableInput,
  type SchedulerLike,
  type Subscription,
  asyncScheduler,
  concat,
  connect,
  defer,
  from,
  map,
  merge,
  mergeMap,
  of,
  take,
  takeWhile,
  timer,
} from 'rxjs';
import { drain } from './drain.js';
import type { ClosedEvent, DrainingEvent, OverdueEvent, RemainingEvent, ShutdownEvent } from '../events.js';
import type { GracefulShutdown } from './graceful-shutdown.js';

/**
 * The timing of a {@link shutdownSequence}.
 *
 * @example
 * ```ts
 * const options: ShutdownSequenceOptions = { drainDelay: 5_000, deadline: 15_000 };
 * ```
 */
export interface ShutdownSequenceOptions {
  /** Milliseconds from the signal to the accept stop, serving as usual meanwhile; default 0. */
  readonly drainDelay?: number;
  /** Milliseconds from the signal (not from the accept stop) until the rest is destroyed. */
  readonly deadline: number;
  /** What times both; a `TestScheduler` in marble tests. Default: `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * What a {@link shutdownSequence} tells, in this order.
 *
 * @example
 * ```ts
 * const last: ShutdownSequenceEvent = { type: 'closed', graceful: true, drained: 2, forced: 0 };
 * ```
 */
export type ShutdownSequenceEvent = DrainingEvent | ShutdownEvent | RemainingEvent | OverdueEvent | ClosedEvent;

/**
 * The phases of a shutdown, as `serve()` runs them over the connections `graceful` watches.
 * The first `shutdown$` emission starts it:
 *
 * 1. `draining` at once: readiness fails, the server still accepts and serves;
 * 2. `shutdown` after `drainDelay`: the caller stops accepting; every connection is told
 *    to drain, and the open count is a `remaining` event once a turn of the event loop
 *    while connections close (at once when none is left);
 * 3. `closed` once all have closed. If the deadline, counted from the signal, comes first,
 *    or a second `shutdown$` emission (even during the delay), `overdue` lists what was
 *    still open, then it is destroyed and `closed` follows.
 *
 * Completes after `closed`, and unsubscribes `shutdown$` then (so `fromSignals` lets the
 * process exit). `shutdown$` is subscribed once.
 *
 * ```
 * shutdown$:   --s----------------     drainDelay 3, deadline 8
 * connection:  ------------------c     (would close by itself at 18)
 * sequence:    --d--s----(orc|)        d = draining, s = shutdown, o = overdue,
 *                                      r = remaining (0 open), c = closed
 * ```
 *
 * @example
 * ```ts
 * shutdownSequence(graceful, fromSignals('SIGTERM'), { drainDelay: 5_000, deadline: 15_000 })
 *   .subscribe((event) => console.log(event.type));
 * ```
 */
export function shutdownSequence(
  graceful: GracefulShutdown,
  shutdown$: ObservableInput<unknown>,
  options: ShutdownSequenceOptions,
): Observable<ShutdownSequenceEvent> {
  const { drainDelay = 0, deadline, scheduler = asyncScheduler } = options;
  return from(shutdown$).pipe(
    connect((signals$) =>
      signals$.pipe(
        take(1),
        mergeMap(() => {
          const signalledAt = scheduler.now();
          // signals$ is multicast: a subscription made now hears the emissions after this one.
          const again$ = signals$.pipe(take(1));
          const delayed$ = drainDelay > 0 ? timer(drainDelay, scheduler).pipe(map(() => false)) : of(false);
          return concat(
            of<DrainingEvent>({ type: 'draining', open: graceful.count }),
            // merge + take(1), not race(): race() would also follow again$ completing, which
            // it does as soon as a one-shot shutdown$ (a Promise, timer(n)) does.
            merge(delayed$, again$.pipe(map(() => true))).pipe(
              take(1),
              mergeMap((forcedEarly) =>
                stopping(graceful, {
                  force$: forcedEarly ? of(undefined) : again$,
                  deadline: Math.max(0, deadline - (scheduler.now() - signalledAt)),
                  scheduler,
                }),
              ),
            ),
          );
        }),
      ),
    ),
  );
}

// One `remaining` a turn of the event loop, the last (none open) at once: 10,000 sockets
// closed together make one event, not 10,000 each sent through the whole pipeline. Written
// out rather than composed (connect, filter, auditTime) because it runs at every close.
function remaining(graceful: GracefulShutdown, scheduler: SchedulerLike): Observable<RemainingEvent> {
  return new Observable<RemainingEvent>((subscriber) => {
    let pending: Subscription | undefined;
    const tell = (): void => {
      pending = undefined;
      subscriber.next({ type: 'remaining', open: graceful.count, byProtocol: graceful.countByProtocol });
    };
    let current = true;
    const counting = graceful.count$.subscribe((open) => {
      if (current) current = false; // the count now, not a change
      else if (open === 0) {
        pending?.unsubscribe();
        tell();
      } else pending ??= scheduler.schedule(tell);
    });
    return () => {
      counting.unsubscribe();
      pending?.unsubscribe();
    };
  });
}

function stopping(
  graceful: GracefulShutdown,
  options: { force$: Observable<unknown>; deadline: number; scheduler: SchedulerLike },
): Observable<ShutdownSequenceEvent> {
  const forcing$ = merge(
    timer(options.deadline, options.scheduler).pipe(map(() => 'deadline' as const)),
    options.force$.pipe(map(() => 'forced' as const)),
  ).pipe(
    take(1),
    map((reason): OverdueEvent => ({ type: 'overdue', reason, connections: graceful.describe() })),
  );
  return concat(
    defer(() => of<ShutdownEvent>({ type: 'shutdown', open: graceful.count })),
    forcing$.pipe(
      connect((overdue$) =>
        merge(
          // Both subscribed before drain() is: the overdue event goes out before anything is
          // destroyed, and a connection that closes as soon as it is told is a `remaining` too.
          overdue$,
          remaining(graceful, options.scheduler),
          drain(graceful, { force$: overdue$ }).pipe(map((result): ClosedEvent => ({ type: 'closed', ...result }))),
        ).pipe(takeWhile((event) => event.type !== 'closed', true)),
      ),
    ),
  );
}
