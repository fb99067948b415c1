import {
  NEVER,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  asyncScheduler,
  concat,
  defer,
  filter,
  from,
  map,
  merge,
  mergeMap,
  of,
  take,
  takeWhile,
  timer,
} from 'rxjs';
import type { ClosedEvent, OverdueEvent, RemainingEvent } from '../events.js';
import type { GracefulShutdown } from './graceful-shutdown.js';
import { remaining } from './remaining.js';

/**
 * How a drain ended.
 *
 * @example
 * ```ts
 * const result: DrainResult = { graceful: true, drained: 3, forced: 0 };
 * ```
 */
export interface DrainResult {
  /** False when any connection had to be destroyed. */
  readonly graceful: boolean;
  /** Connections that closed by themselves during the drain. */
  readonly drained: number;
  /** Connections destroyed at the deadline or on `force$`. */
  readonly forced: number;
}

/**
 * When a drain gives up.
 *
 * @example
 * ```ts
 * const options: DrainOptions = { deadline: 10_000, force$: fromSignals('SIGINT') };
 * ```
 */
export interface DrainOptions {
  /** Milliseconds from the start of the drain until the rest is destroyed; default: none. */
  readonly deadline?: number;
  /** What times the deadline; a `TestScheduler` in marble tests. Default: `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Its first emission destroys the rest at once (a second Ctrl+C). Default: never. */
  readonly force$?: ObservableInput<unknown>;
}

/**
 * Shuts down every connection `graceful` watches and waits for them all to close, raced
 * with the deadline and `force$`; whatever is still open when either wins is destroyed.
 * Emits one {@link DrainResult} once every connection has closed, and completes. Cold: the
 * drain starts on subscribe. `serve()` runs the same race.
 *
 * ```
 * conn closed$:  ------a|
 * deadline 10:   ----------|
 * drain():       ------(r|)        r = { graceful: true, drained: 1, forced: 0 }
 *
 * conn closed$:  ---------------a|
 * drain():       ----------(r|)    r = { graceful: false, drained: 0, forced: 1 }
 * ```
 *
 * @example
 * ```ts
 * drain(graceful, { deadline: 10_000 }).subscribe(({ forced }) => console.log(`${forced} forced`));
 * ```
 */
export function drain(graceful: GracefulShutdown, options: DrainOptions = {}): Observable<DrainResult> {
  const { deadline, scheduler = asyncScheduler, force$ = NEVER } = options;
  const forcing$ = merge(
    deadline === undefined ? NEVER : timer(deadline, scheduler).pipe(map(() => 'deadline' as const)),
    from(force$).pipe(map(() => 'forced' as const)),
  );
  return drainEvents(graceful, forcing$, scheduler).pipe(
    filter((event): event is ClosedEvent => event.type === 'closed'),
    map(({ graceful, drained, forced }) => ({ graceful, drained, forced })),
  );
}

/** Why a drain was forced: the deadline passed, or it was told to (a second signal). */
export type ForceReason = OverdueEvent['reason'];

/**
 * The drain as `serve()` tells it: every connection told to shut down, its close raced
 * with `forcing$`; `remaining` as connections close (once a turn), and if `forcing$` wins,
 * `overdue` with what was still open just before it is destroyed; `closed` last, once
 * every connection has closed, then completion. `forcing$` is not subscribed when every
 * connection closes as it is told (nothing open: no deadline armed).
 *
 * ```
 * conns:     a closes at 2, b hangs          forcing$: -----d
 * events:    --r--(orc|)                    o = overdue [b], r = remaining, c = closed
 * ```
 */
export function drainEvents(
  graceful: GracefulShutdown,
  forcing$: Observable<ForceReason>,
  scheduler: SchedulerLike,
): Observable<RemainingEvent | OverdueEvent | ClosedEvent> {
  return defer(() => {
    // drained = what was open, plus what was watched meanwhile, minus what was forced.
    const open = graceful.count;
    const watched = graceful.watchedCount;
    const closedEvent = (forced: number): ClosedEvent => {
      const drained = open + graceful.watchedCount - watched - forced;
      return { type: 'closed', graceful: forced === 0, drained, forced };
    };
    // graceful.shutdown() first: with nothing open it has won before forcing$ is heard.
    const outcome$ = merge(graceful.shutdown().pipe(map(() => 'drained' as const)), forcing$).pipe(
      take(1),
      mergeMap((outcome) => {
        if (outcome === 'drained') return of(closedEvent(0));
        const overdue: OverdueEvent = { type: 'overdue', reason: outcome, connections: graceful.describe() };
        return concat(
          of(overdue),
          defer(() => {
            const forced = graceful.destroy();
            // A connection that says it closed through its closed$ may say so a turn later:
            // `closed` means closed.
            return graceful.allClosed().pipe(map(() => closedEvent(forced)));
          }),
        );
      }),
    );
    // remaining() first: a connection that closes as soon as it is told is a `remaining` too.
    return merge(remaining(graceful, scheduler), outcome$).pipe(takeWhile((event) => event.type !== 'closed', true));
  });
}
