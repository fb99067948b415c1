import { expect } from 'chai';
import { firstValueFrom, mergeMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import sinon from 'sinon';
import { GracefulShutdown } from '../../lib/index.js';
import { FakeConnection } from '../../lib/testing/index.js';

describe('FakeConnection', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('stays open until close(), then closed$ emits once and completes, also for late subscribers', async () => {
    const conn = new FakeConnection();
    const early = firstValueFrom(conn.closed$);
    expect(conn.state).to.equal('open');
    conn.close();
    conn.close();
    expect(conn.state).to.equal('closed');
    await early;
    const late: string[] = [];
    conn.closed$.subscribe({ next: () => late.push('next'), complete: () => late.push('complete') });
    expect(late).to.deep.equal(['next', 'complete']);
  });

  it('closes drainsIn ms after the first gracefulShutdown(), however often it is told', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const conn = new FakeConnection({ drainsIn: 3 });
      cold('  -a-b').subscribe(() => conn.gracefulShutdown());
      const expected = '    ----(x|)';
      expectObservable(conn.closed$).toBe(expected, { x: undefined });
    });
  });

  it('records every call with the time it came, and acts on each verb once', () => {
    testScheduler.run(({ cold, flush }) => {
      const conn = new FakeConnection();
      cold('  -g-g--d-d').subscribe((verb) => (verb === 'g' ? conn.gracefulShutdown() : conn.destroy()));
      flush();
      expect(conn.calls).to.deep.equal([
        { method: 'gracefulShutdown', at: 1 },
        { method: 'gracefulShutdown', at: 3 },
        { method: 'destroy', at: 6 },
        { method: 'destroy', at: 8 },
      ]);
      expect(conn.gracefulShutdownCount).to.equal(2);
      expect(conn.destroyCount).to.equal(2);
      expect(conn.state).to.equal('closed');
    });
  });

  it('closes at once on destroy() while draining, and the pending drain does not close it again', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const conn = new FakeConnection({ drainsIn: 5 });
      cold('  -g-d').subscribe((verb) => (verb === 'g' ? conn.gracefulShutdown() : conn.destroy()));
      const expected = '    ---(x|)';
      expectObservable(conn.closed$).toBe(expected, { x: undefined });
    });
  });

  it('closes by itself when closes$ emits, and unsubscribes from it then', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const closes$ = cold('---x--|');
      const closesSubs = '  ^--!   ';
      const expected = '    ---(x|)';
      const conn = new FakeConnection({ closes$ });
      expectObservable(conn.closed$).toBe(expected, { x: undefined });
      expectSubscriptions(closes$.subscriptions).toBe(closesSubs);
    });
  });

  it('is a connection GracefulShutdown drains: told once, counted until it closes', () => {
    const graceful = new GracefulShutdown();
    const quick = graceful.watch(new FakeConnection({ drainsIn: 1 }));
    const slow = graceful.watch(new FakeConnection({ drainsIn: 4 }));
    testScheduler.run(({ cold, expectObservable }) => {
      const shutdown$ = cold('--s|').pipe(mergeMap(() => graceful.shutdown()));
      const expected = '      ------(x|)';
      const counts = '        a--b--c   ';
      expectObservable(shutdown$).toBe(expected, { x: undefined });
      expectObservable(graceful.count$).toBe(counts, { a: 2, b: 1, c: 0 });
    });
    expect(quick.calls).to.deep.equal([{ method: 'gracefulShutdown', at: 2 }]);
    expect(slow.calls).to.deep.equal([{ method: 'gracefulShutdown', at: 2 }]);
  });

  it('can be spied on with sinon like any object', () => {
    const conn = new FakeConnection();
    const destroy = sinon.spy(conn, 'destroy');
    conn.destroy();
    expect(destroy.calledOnce).to.equal(true);
    expect(conn.state).to.equal('closed');
  });
});
