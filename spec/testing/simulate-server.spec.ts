import { expect } from 'chai';
import { Subject, asyncScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import sinon from 'sinon';
import { type ConnectionInfo, GracefulShutdown } from '../../lib/index.js';
import { FakeConnection, type FakeConnectionOptions, type SimulatedEvent, simulateServer } from '../../lib/testing/index.js';
import { fakeTimers } from '../support/fake-timers.js';

const stopping = (open: number): SimulatedEvent => ({ type: 'stopping', open });
const shutdown = (open: number): SimulatedEvent => ({ type: 'shutdown', open });
/** FakeConnections do not say their protocol: they are counted as `other`. */
const remaining = (open: number, byProtocol: Record<string, number> = open === 0 ? {} : { other: open }): SimulatedEvent => ({
  type: 'remaining',
  open,
  byProtocol,
});
/** How `overdue` describes a FakeConnection given no protocol and no `info`. */
const unlabelled: ConnectionInfo = { protocol: 'other', requests: [] };
const overdue = (reason: 'deadline' | 'forced', connections: ConnectionInfo[]): SimulatedEvent => ({
  type: 'overdue',
  reason,
  connections,
});
const closed = (drained: number, forced: number): SimulatedEvent => ({
  type: 'closed',
  graceful: forced === 0,
  drained,
  forced,
});

/**
 * A FakeConnection that says what it speaks and which request it is busy with, as rxserve's
 * own do; the request's age is in virtual time when made inside `TestScheduler.run`.
 */
class BusyConnection extends FakeConnection {
  private readonly since = asyncScheduler.now();

  constructor(
    protocol: string,
    private readonly request: { method: string; url: string },
    options?: FakeConnectionOptions,
  ) {
    super({ ...options, protocol });
  }

  override describe(): ConnectionInfo {
    return { protocol: this.protocol ?? 'other', requests: [{ ...this.request, age: asyncScheduler.now() - this.since }] };
  }
}

describe('simulateServer', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('stops accepting at the first shutdown$ emission and closes gracefully when every connection drains in time', () => {
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const a = new FakeConnection({ drainsIn: 5 });
      const b = new FakeConnection({ drainsIn: 8 });
      const connections$ = hot('a-b-------------', { a, b });
      const acceptSubs = '      ^---!           ';
      const shutdown$ = cold('  ----s           ');
      const expected = '        ----(ds)-r--(xc|)';
      expectObservable(simulateServer({ connections$, shutdown$, deadline: 20 })).toBe(expected, {
        d: stopping(2),
        s: shutdown(2),
        r: remaining(1),
        x: remaining(0),
        c: closed(2, 0),
      });
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
  });

  it('destroys what is left at the deadline and reports it as forced, after an overdue event', () => {
    const hung = new FakeConnection();
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const quick = new FakeConnection({ drainsIn: 5 });
      const connections$ = cold('ab--------------', { a: quick, b: hung });
      const acceptSubs = '       ^-!             ';
      const shutdown$ = cold('   --s             ');
      const expected = '         --(ds)-r--(oxc|)';
      expectObservable(simulateServer({ connections$, shutdown$, deadline: 8 })).toBe(expected, {
        d: stopping(2),
        s: shutdown(2),
        r: remaining(1),
        o: overdue('deadline', [unlabelled]),
        x: remaining(0),
        c: closed(1, 1),
      });
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
    expect(hung.calls).to.deep.equal([
      { method: 'gracefulShutdown', at: 2 },
      { method: 'destroy', at: 10 },
    ]);
  });

  it('forces the close at once on a second shutdown$ emission (a second Ctrl+C)', () => {
    const hung = new FakeConnection();
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('-s----s     ');
      const expected = '      -(ds)-(orc|)';
      expectObservable(simulateServer({ connections$: [hung], shutdown$, deadline: 100 })).toBe(expected, {
        d: stopping(1),
        s: shutdown(1),
        o: overdue('forced', [unlabelled]),
        r: remaining(0),
        c: closed(0, 1),
      });
    });
    expect(hung.calls).to.deep.equal([
      { method: 'gracefulShutdown', at: 1 },
      { method: 'destroy', at: 6 },
    ]);
  });

  it('keeps accepting during the drainDelay and tells the connections at the accept stop, not at the signal', () => {
    const early = new FakeConnection({ drainsIn: 1 });
    const duringDelay = new FakeConnection({ drainsIn: 3 });
    const afterStop = new FakeConnection({ drainsIn: 0 });
    testScheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const connections$ = hot('a---b---c-------', { a: early, b: duringDelay, c: afterStop });
      const acceptSubs = '      ^-----!         ';
      const shutdown$ = cold('  --s             ');
      const expected = '        --d---sr-(xc|)  ';
      expectObservable(simulateServer({ connections$, shutdown$, drainDelay: 4, deadline: 20 })).toBe(expected, {
        d: stopping(1),
        s: shutdown(2),
        r: remaining(1),
        x: remaining(0),
        c: closed(2, 0),
      });
      expectSubscriptions(connections$.subscriptions).toBe(acceptSubs);
    });
    expect(early.calls).to.deep.equal([{ method: 'gracefulShutdown', at: 6 }]);
    expect(duringDelay.calls).to.deep.equal([{ method: 'gracefulShutdown', at: 6 }]);
    expect(afterStop.calls).to.deep.equal([]);
  });

  it('lists in overdue what was still open at the deadline, counted from the signal, just before destroying it', () => {
    const made: BusyConnection[] = [];
    testScheduler.run(({ cold, expectObservable }) => {
      // Made inside run(), so that their requests' ages are counted in frames.
      const download = new BusyConnection('http1', { method: 'GET', url: '/export.csv' });
      const chat = new BusyConnection('websocket', { method: 'GET', url: '/chat' });
      const upload = new BusyConnection('http1', { method: 'POST', url: '/upload' }, { drainsIn: 3 });
      made.push(download, chat, upload);
      const shutdown$ = cold('-s          ');
      // Both destroyed in one turn: one `remaining`, the last.
      const expected = '      -d--s--r(oyc|)';
      expectObservable(
        simulateServer({ connections$: [download, chat, upload], shutdown$, drainDelay: 3, deadline: 7 }),
      ).toBe(expected, {
        d: stopping(3),
        s: shutdown(3),
        r: remaining(2, { http1: 1, websocket: 1 }),
        o: overdue('deadline', [
          { protocol: 'http1', requests: [{ method: 'GET', url: '/export.csv', age: 8 }] },
          { protocol: 'websocket', requests: [{ method: 'GET', url: '/chat', age: 8 }] },
        ]),
        y: remaining(0),
        c: closed(1, 2),
      });
    });
    expect(made.map((conn) => conn.calls.map(({ method, at }) => `${method}@${at}`))).to.deep.equal([
      ['gracefulShutdown@4', 'destroy@8'],
      ['gracefulShutdown@4', 'destroy@8'],
      ['gracefulShutdown@4'],
    ]);
  });

  it('closes in the same frame as shutdown when no connection is open', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('---s    ');
      const expected = '      ---(dsc|)';
      expectObservable(simulateServer({ shutdown$ })).toBe(expected, {
        d: stopping(0),
        s: shutdown(0),
        c: closed(0, 0),
      });
    });
  });

  it('never watches a connection that arrives after shutdown began', () => {
    const late = new FakeConnection({ drainsIn: 0 });
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const connections$ = hot('---l   ', { l: late });
      const shutdown$ = cold('  -s     ');
      const expected = '        -(dsc|)';
      expectObservable(simulateServer({ connections$, shutdown$ })).toBe(expected, {
        d: stopping(0),
        s: shutdown(0),
        c: closed(0, 0),
      });
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
    const extra = graceful.watch(new FakeConnection({ drainsIn: 4 }));
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('-s        ');
      const expected = '      -(ds)(rc|)';
      expectObservable(simulateServer({ graceful, shutdown$ })).toBe(expected, {
        d: stopping(1),
        s: shutdown(1),
        r: remaining(0),
        c: closed(1, 0),
      });
    });
    expect(extra.state).to.equal('closed');
  });

  describe('with sinon fake timers instead of a TestScheduler', () => {
    let clock: sinon.SinonFakeTimers;

    beforeEach(() => {
      clock = fakeTimers();
    });

    afterEach(() => clock.restore());

    it('fires the deadline when the clock reaches it, and not a millisecond before', () => {
      const shutdown$ = new Subject<void>();
      const hung = new FakeConnection();
      const events: SimulatedEvent[] = [];
      simulateServer({ connections$: [hung], shutdown$, deadline: 10_000 }).subscribe((event) => events.push(event));
      shutdown$.next();
      clock.tick(9_999);
      expect(events).to.deep.equal([stopping(1), shutdown(1)]);
      clock.tick(1);
      expect(events).to.deep.equal([
        stopping(1),
        shutdown(1),
        overdue('deadline', [unlabelled]),
        remaining(0),
        closed(0, 1),
      ]);
      expect(hung.destroyCount).to.equal(1);
    });
  });
});
