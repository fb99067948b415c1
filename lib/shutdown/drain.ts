import {
  NEVER,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  asyncScheduler,
  defer,
  from,
  map,
  merge,
  mergeMap,
  of,
  take,
  timer,
} from 'rxjs';
import type { GracefulShutdown } from './graceful-shutdown.js';

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
 * Shuts down every connection `graceful` watches and waits for them, raced with the
 * deadline and `force$`; whatever is still open when either wins is destroyed. Emits one
 * {@link DrainResult} once every connection has closed, and completes (so a connection's
 * `destroy()` must lead to its `closed$`). Cold: the drain starts on subscribe.
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
export function drain(graceful: GracefulShutdown, options: DrainOptions): Observable<DrainResult> {
  return defer(() => {
    // Read from the closes counted so far, so connections watched during the drain (and
    // told at once) are counted too, and a close costs no subscriber here.
    const closedAtStart = graceful.closedCount;
    return merge(
      graceful.shutdown().pipe(map(() => 'drained' as const)),
      options.deadline === undefined
        ? NEVER
        : timer(options.deadline, options.scheduler ?? asyncScheduler).pipe(map(() => 'expired' as const)),
      from(options.force$ ?? NEVER).pipe(map(() => 'forced' as const)),
    ).pipe(
      take(1),
      mergeMap((outcome) => {
        const drained = graceful.closedCount - closedAtStart;
        if (outcome === 'drained') return of({ graceful: true, drained, forced: 0 });
        const forced = graceful.destroy();
        // A connection that cannot tell it is closed once destroyed (no isClosed) says so
        // through closed$, maybe a turn later; wait for it, so that `closed` means closed.
        return graceful.shutdown().pipe(map(() => ({ graceful: forced === 0, drained, forced })));
      }),
    );
  });
}
