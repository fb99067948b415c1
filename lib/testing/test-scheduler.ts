import { deepStrictEqual } from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';

/**
 * A fresh `TestScheduler` that compares with node's `assert.deepStrictEqual`, so marble
 * tests need no assertion library. Make one per test.
 *
 * @example
 * ```ts
 * it('drains before the deadline', () => {
 *   createTestScheduler().run(({ cold, expectObservable }) => {
 *     expectObservable(simulateServer({ shutdown$: cold('-s') })).toBe('-(dc|)', events);
 *   });
 * });
 * ```
 */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => deepStrictEqual(actual, expected));
}
