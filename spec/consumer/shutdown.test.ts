// A user's project: it installs the packed rxserve and marble-tests its own shutdown$.
// Type-checked and run by spec/testing/consumer.spec.ts, outside this repository.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Observable, map, merge, timer } from 'rxjs';
import { type ServerEvent, fromSignals } from 'rxserve';
import { FakeConnection, createTestScheduler, emitSignals, simulateServer } from 'rxserve/testing';

/** Drain on SIGINT or SIGTERM, or once the instance is `maxAge` ms old; the next of them forces. */
function shutdownSignal(maxAge: number): Observable<string> {
  return merge(fromSignals('SIGINT', 'SIGTERM'), timer(maxAge).pipe(map(() => 'max-age')));
}

test('shutdownSignal emits each signal and the max age, and leaves no listener behind', () => {
  const testScheduler = createTestScheduler();
  testScheduler.run(({ expectObservable }) => {
    emitSignals(testScheduler, '-T--I', { T: 'SIGTERM', I: 'SIGINT' });
    const unsubscribe = '         ^-------!';
    const expected = '            -T--I-m--';
    expectObservable(shutdownSignal(6), unsubscribe).toBe(expected, { T: 'SIGTERM', I: 'SIGINT', m: 'max-age' });
  });
  assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), 0);
});

test('SIGTERM drains; the max age, coming before the deadline, forces what is left', () => {
  const quick = new FakeConnection({ drainsIn: 4 });
  const hung = new FakeConnection();
  const testScheduler = createTestScheduler();
  testScheduler.run(({ expectObservable }) => {
    emitSignals(testScheduler, '--T', { T: 'SIGTERM' });
    // The same events as serve()'s, so the app's handling of them can be tested too.
    const server$: Observable<ServerEvent> = simulateServer({ connections$: [quick, hung], shutdown$: shutdownSignal(10), deadline: 100 });
    const expected = '         --(ds)r---(oxc|)'; // aligned with the signals above
    expectObservable(server$).toBe(expected, {
      d: { type: 'stopping', open: 2 },
      s: { type: 'shutdown', open: 2 },
      r: { type: 'remaining', open: 1, byProtocol: { other: 1 } },
      o: { type: 'overdue', reason: 'forced', connections: [{ protocol: 'other', requests: [] }] },
      x: { type: 'remaining', open: 0, byProtocol: {} },
      c: { type: 'closed', graceful: false, drained: 1, forced: 1 },
    });
  });
  assert.deepEqual(hung.calls, [
    { method: 'gracefulShutdown', at: 2 },
    { method: 'destroy', at: 10 },
  ]);
  assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), 0);
});

test('the kit comes with its types', () => {
  // @ts-expect-error drainsIn is a number of milliseconds
  const conn = new FakeConnection({ drainsIn: 'soon' });
  assert.equal(conn.state, 'open');
});
