import { expect } from 'chai';
import { map, merge, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fromSignals } from '../../lib/index.js';
import { FakeConnection, emitSignals, simulateServer } from '../../lib/testing/index.js';

describe('emitSignals', () => {
  let testScheduler: TestScheduler;
  let listenersBefore: number;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
    listenersBefore = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
  });

  afterEach(() => {
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).to.equal(listenersBefore);
  });

  it('reaches fromSignals() through its real process listeners, on the frames of the diagram', () => {
    testScheduler.run(({ expectObservable }) => {
      emitSignals(testScheduler, '--T--I---T', { T: 'SIGTERM', I: 'SIGINT' });
      const unsubscribe = '         ^-------!  ';
      const expected = '            --T--I----  ';
      expectObservable(fromSignals('SIGINT', 'SIGTERM'), unsubscribe).toBe(expected, { T: 'SIGTERM', I: 'SIGINT' });
    });
  });

  it('drives a custom shutdown$ of signals and a timer through a simulated server', () => {
    const hung = new FakeConnection();
    testScheduler.run(({ expectObservable }) => {
      // A server that drains on SIGTERM or after 5 ms, whichever comes first; the next one forces.
      const shutdown$ = merge(fromSignals('SIGTERM'), timer(5).pipe(map(() => 'max-age')));
      emitSignals(testScheduler, '-T         ', { T: 'SIGTERM' });
      const expected = '            -(ds)(orc|)';
      expectObservable(simulateServer({ connections$: [hung], shutdown$, deadline: 100 })).toBe(expected, {
        d: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'forced', connections: [{ protocol: 'other', requests: [] }] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
    });
    expect(hung.calls).to.deep.equal([
      { method: 'gracefulShutdown', at: 1 },
      { method: 'destroy', at: 5 },
    ]);
  });
});
