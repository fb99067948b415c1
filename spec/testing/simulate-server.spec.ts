import { expect } from 'chai';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import sinon from 'sinon';
import { GracefulShutdown } from '../../lib/index.js';
import { FakeConnection, type SimulatedEvent, simulateServer } from '../../lib/testing/index.js';

const shutdown = (open: number): SimulatedEvent => ({ type: 'shutdown', open });
const closed = (drained: number, forced: number): SimulatedEvent => ({
  type: 'closed',
  graceful: forced === 0,
  drained,
  forced,
});

describe('simulateServer', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('stops accepting at the first shutdown$ emission and closes gracefully when every connection drains in time', () => {
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const a = new FakeConnection({ drainsIn: 2 });
      const b = new FakeConnection({ drainsIn: 4 });
      const connections$ = hot('a-b------', { a, b });
      const acceptSubs = '      ^---!    ';
      const shutdown$ = cold('  ----s    ');
      const expected = '        ----d---(c|)';
      expectObservable(simulateServer({ connections$, shutdown$, deadline: 10 })).toBe(expected, {
        d: shutdown(2),
        c: closed(2, 0),
      });
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
  });

  it('destroys what is left at the deadline and reports it as forced', () => {
    const hung = new FakeConnection();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const quick = new FakeConnection({ drainsIn: 1 });
      const connections$ = cold('ab-------', { a: quick, b: hung });
      const acceptSubs = '       ^-!      ';
      const shutdown$ = cold('   --s      ');
      const expected = '         --d--(c|)';
      expectObservable(simulateServer({ connections$, shutdown$, deadline: 3 })).toBe(expected, {
        d: shutdown(2),
        c: closed(1, 1),
      });
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
    expect(hung.calls).to.deep.equal([
      { method: 'gracefulShutdown', at: 2 },
      { method: 'destroy', at: 5 },
    ]);
  });

  it('forces the close at once on a second shutdown$ emission (a second Ctrl+C)', () => {
    const hung = new FakeConnection();
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('-s--s   ');
      const expected = '      -d--(c|)';
      expectObservable(simulateServer({ connections$: [hung], shutdown$, deadline: 100 })).toBe(expected, {
        d: shutdown(1),
        c: closed(0, 1),
      });
    });
    expect(hung.destroyCount).to.equal(1);
  });

  it('closes in the same frame as shutdown when no connection is open', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('---s   ');
      const expected = '      ---(dc|)';
      expectObservable(simulateServer({ shutdown$ })).toBe(expected, { d: shutdown(0), c: closed(0, 0) });
    });
  });

  it('never watches a connection that arrives after shutdown began', () => {
    const late = new FakeConnection({ drainsIn: 0 });
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const connections$ = hot('---l', { l: late });
      const shutdown$ = cold('  -s  ');
      const expected = '        -(dc|)';
      expectObservable(simulateServer({ connections$, shutdown$ })).toBe(expected, { d: shutdown(0), c: closed(0, 0) });
    });
    expect(late.calls).to.deep.equal([]);
  });

  it('changes nothing when shutdown$ completes without emitting', () => {
    const open = new FakeConnection();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const connections$ = cold('a--', { a: open });
      const acceptSubs = '       ^--';
      const shutdown$ = cold('   --|');
      const expected = '         ---';
      expectObservable(simulateServer({ connections$, shutdown$ })).toBe(expected);
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
    expect(open.calls).to.deep.equal([]);
  });

  it('is a hard stop when unsubscribed: every open connection is destroyed', () => {
    const open = new FakeConnection();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const connections$ = cold('a-----', { a: open });
      const acceptSubs = '       ^--!  ';
      const unsubscribe = '      ^--!  ';
      expectObservable(simulateServer({ connections$, shutdown$: cold('-----s') }), unsubscribe).toBe('---');
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
    expect(open.calls).to.deep.equal([{ method: 'destroy', at: 3 }]);
  });

  it('uses the GracefulShutdown it is given, so a test can watch connections itself', () => {
    const graceful = new GracefulShutdown();
    const extra = graceful.watch(new FakeConnection({ drainsIn: 2 }));
    testScheduler.run(({ cold, expectObservable }) => {
      const expected = '-d-(c|)';
      expectObservable(simulateServer({ graceful, shutdown$: cold('-s') })).toBe(expected, {
        d: shutdown(1),
        c: closed(1, 0),
      });
    });
    expect(extra.state).to.equal('closed');
  });

  describe('with sinon fake timers instead of a TestScheduler', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    });

    afterEach(() => clock.restore());

    it('fires the deadline when the clock reaches it, and not a millisecond before', () => {
      const shutdown$ = new Subject<void>();
      const hung = new FakeConnection();
      const events: SimulatedEvent[] = [];
      simulateServer({ connections$: [hung], shutdown$, deadline: 10_000 }).subscribe((event) => events.push(event));
      shutdown$.next();
      clock.tick(9_999);
      expect(events).to.deep.equal([shutdown(1)]);
      clock.tick(1);
      expect(events).to.deep.equal([shutdown(1), closed(0, 1)]);
      expect(hung.destroyCount).to.equal(1);
    });
  });
});
