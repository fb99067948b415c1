import { deepStrictEqual } from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';

/**
 * A fresh `TestScheduler` that compares with node's `assert.deepStrictEqual`, so marble
 * tests need no assertion library. Make one per test.
 *
 * @example
 * ```ts
 * it('closes at once with no connection open', () => {
 *   createTestScheduler().run(({ cold, expectObservable }) => {
 *     expectObservable(simulateServer({ shutdown$: cold('-s') })).toBe('-(tsc|)', {
 *       t: { type: 'stopping', open: 0 },
 *       s: { type: 'shutdown', open: 0 },
 *       c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
 *     });
 *   });
 * });
 * ```
 */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => deepStrictEqual(actual, expected));
}
