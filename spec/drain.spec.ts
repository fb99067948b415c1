import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { GracefulShutdown, drain } from '../lib/index.js';
import { FakeConnection, createTestScheduler } from '../lib/testing/index.js';

describe('drain', () => {
  it('emits a graceful result when every connection closes before the deadline', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('    ---a|       ');
      const b = hot('    -----b|     ');
      const expected = ' -----(r|)   ';
      const graceful = new GracefulShutdown();
      const conns = [graceful.watch(new FakeConnection({ closes$: a })), graceful.watch(new FakeConnection({ closes$: b }))];
      expectObservable(drain(graceful, { deadline: 10 })).toBe(expected, {
        r: { graceful: true, drained: 2, forced: 0 },
      });
      expectSubscriptions(b.subscriptions).toBe('^----!');
      testScheduler.flush();
      expect(conns.map((conn) => conn.calls.map(({ method }) => method))).to.deep.equal([['gracefulShutdown'], ['gracefulShutdown']]);
    });
  });

  it('destroys what is still open at the deadline and counts it as forced', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const quick = hot('---q|            ');
      const stuck = hot('---------------s|');
      const expected = '----------(r|)   ';
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: quick }));
      const stuckConnection = graceful.watch(new FakeConnection({ closes$: stuck }));
      expectObservable(drain(graceful, { deadline: 10 })).toBe(expected, {
        r: { graceful: false, drained: 1, forced: 1 },
      });
      testScheduler.flush();
      expect(stuckConnection.calls).to.deep.equal([
        { method: 'gracefulShutdown', at: 0 },
        { method: 'destroy', at: 10 },
      ]);
    });
  });

  it('forces the close at once on the first force$ emission (a second shutdown signal)', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const force = hot('----f-----f--');
      const forceSubs = '^---!        ';
      const expected = ' ----(r|)     ';
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(new FakeConnection());
      expectObservable(drain(graceful, { deadline: 1000, force$: force })).toBe(expected, {
        r: { graceful: false, drained: 0, forced: 1 },
      });
      expectSubscriptions(force.subscriptions).toBe(forceSubs);
      testScheduler.flush();
      expect(conn.destroyCount).to.equal(1);
    });
  });

  it('emits at once with nothing to drain, without arming the deadline or listening to force$', () => {
    const testScheduler = createTestScheduler();
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
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: hot('--a|') }));
      const late = new FakeConnection({ closes$: hot('------l|') });
      testScheduler.schedule(() => graceful.watch(late), 1);
      expectObservable(drain(graceful, { deadline: 10 })).toBe('------(r|)', {
        r: { graceful: true, drained: 2, forced: 0 },
      });
      testScheduler.flush();
      expect(late.gracefulShutdownCount).to.equal(1);
    });
  });

  it('prefers the drain when it completes in the same frame as the deadline', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: hot('-----a|') }));
      expectObservable(drain(graceful, { deadline: 5 })).toBe('-----(r|)', {
        r: { graceful: true, drained: 1, forced: 0 },
      });
    });
  });

  it('waits, with no deadline, for as long as the connections take', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: hot('-------------------a|') }));
      expectObservable(drain(graceful)).toBe('-------------------(r|)', { r: { graceful: true, drained: 1, forced: 0 } });
    });
  });

  it('never counts NEVER as closed: what hangs is destroyed at the deadline', () => {
    createTestScheduler().run(({ expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: NEVER }));
      expectObservable(drain(graceful, { deadline: 3 })).toBe('---(r|)', { r: { graceful: false, drained: 0, forced: 1 } });
    });
  });
});
