import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { GracefulShutdown } from '../lib/index.js';
import { orchestrate } from '../lib/orchestrate.js';
import { FakeConnection } from '../lib/testing/index.js';

describe('orchestrate', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it("passes the accept loop's events through until the first shutdown$ emission, and unsubscribes it there", () => {
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const accepting = hot('-a--b--c--');
      const acceptingSubs = '^-----!   ';
      const shutdown$ = cold('------s   ');
      const expected = '      -a--b-(dc|)';
      expectObservable(orchestrate({ accepting, graceful: new GracefulShutdown(), shutdown$, deadline: 10 })).toBe(
        expected,
        { a: 'a', b: 'b', d: { type: 'shutdown', open: 0 }, c: { type: 'closed', graceful: true, drained: 0, forced: 0 } },
      );
      expectSubscriptions(accepting.subscriptions).toBe(acceptingSubs);
    });
  });

  it('calls onDraining once, after every connection was told to shut down', () => {
    const graceful = new GracefulShutdown();
    const conn = graceful.watch(new FakeConnection({ drainsIn: 2 }));
    const toldWhenDraining: number[] = [];
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('-s');
      const expected = '      -d-(c|)';
      const onDraining = () => toldWhenDraining.push(conn.gracefulShutdownCount);
      expectObservable(orchestrate({ accepting: cold('-'), graceful, shutdown$, deadline: 10, onDraining })).toBe(expected, {
        d: { type: 'shutdown', open: 1 },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
    });
    expect(toldWhenDraining).to.deep.equal([1]);
  });
});
