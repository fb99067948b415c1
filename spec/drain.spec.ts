import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { GracefulShutdown, drain } from '../lib/index.js';
import { fakeConnection } from './support/fake-connection.js';

describe('drain', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('emits a graceful result when every connection closes before the deadline', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('    ---a|       ');
      const b = hot('    -----b|     ');
      const expected = ' -----(r|)   ';
      const graceful = new GracefulShutdown();
      const conns = [graceful.watch(fakeConnection(a)), graceful.watch(fakeConnection(b))];
      expectObservable(drain(graceful, { deadline: 10 })).toBe(expected, {
        r: { graceful: true, drained: 2, forced: 0 },
      });
      expectSubscriptions(b.subscriptions).toBe('^----!');
      testScheduler.flush();
      expect(conns.map((conn) => conn.destroy.called)).to.deep.equal([false, false]);
    });
  });

  it('destroys what is still open at the deadline and counts it as forced', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const quick = hot('---q|            ');
      const stuck = hot('---------------s|');
      const expected = '----------(r|)   ';
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(quick));
      const stuckConnection = graceful.watch(fakeConnection(stuck));
      expectObservable(drain(graceful, { deadline: 10 })).toBe(expected, {
        r: { graceful: false, drained: 1, forced: 1 },
      });
      testScheduler.flush();
      expect(stuckConnection.destroy.callCount).to.equal(1);
      expect(stuckConnection.gracefulShutdown.callCount).to.be.greaterThanOrEqual(1);
    });
  });

  it('forces the close at once on the first force$ emission (a second shutdown signal)', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const force = hot('----f-----f--');
      const forceSubs = '^---!        ';
      const expected = ' ----(r|)     ';
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(fakeConnection(NEVER));
      expectObservable(drain(graceful, { deadline: 1000, force$: force })).toBe(expected, {
        r: { graceful: false, drained: 0, forced: 1 },
      });
      expectSubscriptions(force.subscriptions).toBe(forceSubs);
      testScheduler.flush();
      expect(conn.destroy.callCount).to.equal(1);
    });
  });

  it('emits at once with nothing to drain, without arming the deadline or listening to force$', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const force = hot('-----f');
      expectObservable(drain(new GracefulShutdown(), { deadline: 10, force$: force })).toBe('(r|)', {
        r: { graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(force.subscriptions).toBe([]);
      testScheduler.flush();
      expect(testScheduler.actions.length, 'no timer left scheduled').to.equal(0);
    });
  });

  it('counts a connection watched during the drain as drained when it closes', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(hot('--a|')));
      const late = fakeConnection(hot('  ------l|'));
      testScheduler.schedule(() => graceful.watch(late), 1);
      expectObservable(drain(graceful, { deadline: 10 })).toBe('------(r|)', {
        r: { graceful: true, drained: 2, forced: 0 },
      });
      testScheduler.flush();
      expect(late.gracefulShutdown.callCount).to.equal(1);
    });
  });

  it('prefers the drain when it completes in the same frame as the deadline', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(hot('-----a|')));
      expectObservable(drain(graceful, { deadline: 5 })).toBe('-----(r|)', {
        r: { graceful: true, drained: 1, forced: 0 },
      });
    });
  });
});
