import type { Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

/**
 * Emits process signals on the frames of a marble diagram, so a `shutdown$` built from
 * `fromSignals()` can be tested in virtual time through its real listeners.
 *
 * The signals are emitted on `process` as node does when one arrives (`process.emit`),
 * without reaching the operating system: with no listener installed, nothing happens.
 *
 * ```
 * emitSignals:  ---T-----I     T = SIGTERM, I = SIGINT
 * ```
 *
 * @returns the subscription that emits them; unsubscribe it to stop early.
 * @example
 * ```ts
 * testScheduler.run(({ expectObservable }) => {
 *   emitSignals(testScheduler, '---T', { T: 'SIGTERM' });
 *   expectObservable(fromSignals('SIGTERM'), '^----!').toBe('---T', { T: 'SIGTERM' });
 * });
 * ```
 */
export function emitSignals(
  scheduler: TestScheduler,
  marbles: string,
  values: Readonly<Record<string, NodeJS.Signals>>,
): Subscription {
  return scheduler
    .createColdObservable<NodeJS.Signals>(marbles, { ...values })
    .subscribe((signal) => process.emit(signal, signal));
}
