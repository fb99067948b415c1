import { expect } from 'chai';
import { tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { GracefulShutdown } from '../lib/index.js';
import { orchestrate } from '../lib/shutdown/orchestrate.js';
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
      const expected = '      -a--b-(dsc|)';
      expectObservable(orchestrate({ accepting, graceful: new GracefulShutdown(), shutdown$, deadline: 10 })).toBe(
        expected,
        {
          a: 'a',
          b: 'b',
          d: { type: 'draining', open: 0 },
          s: { type: 'shutdown', open: 0 },
          c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
        },
      );
      expectSubscriptions(accepting.subscriptions).toBe(acceptingSubs);
    });
  });

  it('keeps accepting for drainDelay after the signal, then stops accepts at the shutdown event', () => {
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const accepting = hot('-a--b--c--');
      const acceptingSubs = '^-----!   ';
      const shutdown$ = cold('--s       ');
      const expected = '      -ad-b-(sc|)';
      expectObservable(
        orchestrate({ accepting, graceful: new GracefulShutdown(), shutdown$, deadline: 10, drainDelay: 4 }),
      ).toBe(expected, {
        a: 'a',
        b: 'b',
        d: { type: 'draining', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(accepting.subscriptions).toBe(acceptingSubs);
    });
  });

  it('tells connections to shut down after the shutdown event, not at the signal', () => {
    const graceful = new GracefulShutdown();
    const conn = graceful.watch(new FakeConnection({ drainsIn: 2 }));
    const toldAt: Record<string, number> = {};
    testScheduler.run(({ cold }) => {
      orchestrate({ accepting: cold('-'), graceful, shutdown$: cold('-s'), deadline: 10, drainDelay: 3 })
        .pipe(tap((event) => (toldAt[String((event as { type: string }).type)] = conn.gracefulShutdownCount)))
        .subscribe();
    });
    expect(toldAt).to.deep.equal({ draining: 0, shutdown: 0, remaining: 1, closed: 1 });
  });
});
