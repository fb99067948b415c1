import {
  NEVER,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  asyncScheduler,
  concat,
  connect,
  filter,
  from,
  map,
  merge,
  mergeMap,
  of,
  take,
  takeUntil,
  timer,
} from 'rxjs';
import type { ClosedEvent, OverdueEvent, RemainingEvent, ShutdownEvent, StoppingEvent } from '../events.js';
import { type ForceReason, drainEvents } from './drain.js';
import type { GracefulShutdown } from './graceful-shutdown.js';
import { type OptionCheck, check } from '../option-checks.js';
import { isObservableInput } from '../handlers/reply.js';

/**
 * What {@link lifecycle} composes.
 */
export interface LifecycleOptions<E> {
  /** The accept loop's events; it is unsubscribed at the accept stop (the `shutdown` event). */
  readonly accepts$: Observable<E>;
  /** Watches the accepted connections; told to shut down at the accept stop. */
  readonly graceful: GracefulShutdown;
  /** The first emission is the signal; any later one forces the close. */
  readonly shutdown$: ObservableInput<unknown>;
  /** Milliseconds from the signal (not from the accept stop) until what is left is destroyed. */
  readonly deadline: number;
  /** Milliseconds from the signal to the accept stop, serving as usual meanwhile; default 0. */
  readonly drainDelay?: number;
  /** What times the delay and the deadline; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * What a server tells from the signal on, in this order.
 */
export type LifecycleEvent = StoppingEvent | ShutdownEvent | RemainingEvent | OverdueEvent | ClosedEvent;

/**
 * A server's life, sockets aside, as the design card draws it. `serve()` runs it over real
 * sockets, `rxserve/testing`'s `simulateServer()` over fake connections.
 *
 * 1. The accept loop runs, its events passed through, until the accept stop.
 * 2. The signal (shutdown$'s first emission): `stopping`; readiness fails, and for
 *    `drainDelay` the server still accepts and serves.
 * 3. The accept stop, `drainDelay` later (at once on a second emission): `shutdown`; the
 *    accept loop is unsubscribed (new connects are refused), then every connection is told
 *    to drain.
 * 4. Every connection's close raced with the deadline, counted from the signal, and with a
 *    second emission: `remaining` as they close, `overdue` if the race is lost (what was
 *    still open, just before it is destroyed), `closed` last. Then it completes, and
 *    unsubscribes shutdown$ (so `fromSignals` lets the process exit).
 *
 * ```
 * accepts$:   -a--b-------------        (b closes 4 ms after it is told; a hangs)
 * shutdown$:  ------s-----------        drainDelay 2, deadline 8
 * lifecycle:  -a--b-t-h---r-(orc|)      t = stopping, h = shutdown, r = remaining,
 *                                       o = overdue [a], c = closed
 * ```
 */
export function lifecycle<E>(options: LifecycleOptions<E>): Observable<E | LifecycleEvent> {
  const { accepts$, graceful, deadline, drainDelay = 0, scheduler = asyncScheduler } = options;
  return from(options.shutdown$).pipe(
    // shutdown$ is subscribed once; `signals$` is its multicast, so a subscription made after
    // the signal hears the emissions after it: `again$` is the second one.
    connect((signals$) => {
      const phases$ = signals$.pipe(
        take(1),
        mergeMap(() => {
          const signalledAt = scheduler.now();
          const again$ = signals$.pipe(take(1));
          const delayed$ = drainDelay > 0 ? timer(drainDelay, scheduler).pipe(map(() => false)) : of(false);
          const stopping: StoppingEvent = { type: 'stopping', open: graceful.count };
          return concat(
            of(stopping),
            // merge + take(1), not race(): race() would also follow again$ completing, which
            // it does as soon as a one-shot shutdown$ (a Promise, timer(n)) does.
            merge(delayed$, again$.pipe(map(() => true))).pipe(
              take(1),
              mergeMap((forcedEarly) => {
                const forcing$: Observable<ForceReason> = forcedEarly
                  ? of('forced')
                  : merge(
                      timer(Math.max(0, deadline - (scheduler.now() - signalledAt)), scheduler).pipe(map(() => 'deadline' as const)),
                      again$.pipe(map(() => 'forced' as const)),
                    ).pipe(take(1));
                return concat(
                  of<ShutdownEvent>({ type: 'shutdown', open: graceful.count }),
                  drainEvents(graceful, forcing$, scheduler),
                );
              }),
            ),
          );
        }),
      );
      return phases$.pipe(
        connect((phase$) =>
          merge(
            phase$,
            // Subscribed after phase$: the `shutdown` event is out before the accept stop, and
            // the accept stop comes before drainEvents() tells the connections.
            accepts$.pipe(takeUntil(phase$.pipe(filter((event) => event.type === 'shutdown')))),
          ),
        ),
      );
    }),
  );
}

/** The checks of `serve()`'s `shutdown$`, `deadline`, `drainDelay` and `scheduler` options, in that order. */
export const LIFECYCLE_OPTIONS = {
  shutdown$: (value: unknown, name: string): ObservableInput<unknown> => {
    if (value === undefined) return NEVER;
    check(name, isObservableInput(value), 'an Observable, a Promise or another ObservableInput', value);
    return value as ObservableInput<unknown>;
  },
  deadline: (value: unknown, name: string): number => {
    if (value === undefined) return 10_000;
    check(name, typeof value === 'number' && Number.isFinite(value) && value >= 0, 'a finite number >= 0', value);
    return value as number;
  },
  drainDelay: (value: unknown, name: string, resolved: Readonly<Record<string, unknown>>): number => {
    const deadline = resolved['deadline'] as number;
    if (value === undefined) return 0;
    check(
      name,
      typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= deadline,
      `a finite number from 0 to \`deadline\` (${deadline}), which counts from the same signal`,
      value,
    );
    return value as number;
  },
  scheduler: (value: unknown, name: string): SchedulerLike => {
    if (value === undefined) return asyncScheduler;
    const scheduler = value as Partial<SchedulerLike>;
    check(name, typeof scheduler.schedule === 'function' && typeof scheduler.now === 'function', 'an RxJS SchedulerLike', value);
    return value as SchedulerLike;
  },
} satisfies Record<'shutdown$' | 'deadline' | 'drainDelay' | 'scheduler', OptionCheck<unknown>>;
