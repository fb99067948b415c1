import { expect } from 'chai';
import { NEVER, Subject, firstValueFrom, throwError, EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { GracefulShutdown } from '../lib/index.js';
import { fakeConnection } from './support/fake-connection.js';

describe('GracefulShutdown', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('completes shutdown() only when every watched connection has closed', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = hot('    -----a--|   ');
      const aSubs = '    ^----!      ';
      const b = hot('    ---------b| ');
      const bSubs = '    ^--------!  ';
      const expected = ' ---------(x|)';
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(a));
      graceful.watch(fakeConnection(b));
      expectObservable(graceful.shutdown()).toBe(expected, { x: undefined });
      expectSubscriptions(a.subscriptions).toBe(aSubs);
      expectSubscriptions(b.subscriptions).toBe(bSubs);
    });
  });

  it('emits at once when no connection is watched (forkJoin([]) would say nothing)', () => {
    testScheduler.run(({ expectObservable }) => {
      expectObservable(new GracefulShutdown().shutdown()).toBe('(x|)', { x: undefined });
    });
  });

  it('resolves firstValueFrom(shutdown()) with no connection', async () => {
    expect(await firstValueFrom(new GracefulShutdown().shutdown())).to.equal(undefined);
  });

  it('tells every watched connection to shut down on subscribe, once, and destroys none', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      const a = graceful.watch(fakeConnection(hot('--a|')));
      const b = graceful.watch(fakeConnection(hot('----b|')));
      const shutdown$ = graceful.shutdown();
      expect(a.gracefulShutdown.called, 'cold: nothing before subscribe').to.equal(false);
      expectObservable(shutdown$).toBe('----(x|)', { x: undefined });
      testScheduler.flush();
      expect(a.gracefulShutdown.callCount).to.equal(1);
      expect(b.gracefulShutdown.callCount).to.equal(1);
      expect(a.destroy.called || b.destroy.called).to.equal(false);
    });
  });

  it('tells a connection watched after shutdown began at once, and waits for it too', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(hot('------a|')));
      const late = fakeConnection(hot('      --------l|'));
      const expected = '                     --------(x|)';
      testScheduler.schedule(() => {
        graceful.watch(late);
        expect(late.gracefulShutdown.callCount, 'told at the moment it is watched').to.equal(1);
      }, 4);
      expectObservable(graceful.shutdown()).toBe(expected, { x: undefined });
    });
  });

  it('counts watched connections down to 0 as they close', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const graceful = new GracefulShutdown();
      graceful.watch(fakeConnection(hot('--a|')));
      graceful.watch(fakeConnection(hot('-----b|')));
      expect(graceful.count).to.equal(2);
      expectObservable(graceful.count$).toBe('n-o--z', { n: 2, o: 1, z: 0 });
      testScheduler.flush();
      expect(graceful.count).to.equal(0);
    });
  });

  it('counts a connection as closed when its closed$ completes empty or errors', async () => {
    const graceful = new GracefulShutdown();
    const connection = { gracefulShutdown: () => undefined, destroy: () => undefined };
    graceful.watch({ ...connection, closed$: EMPTY });
    graceful.watch({ ...connection, closed$: throwError(() => new Error('reset')) });
    expect(graceful.count).to.equal(0);
    expect(await firstValueFrom(graceful.shutdown())).to.equal(undefined);
  });

  it('counts the closes of watched connections, and not of one closed before it was watched', () => {
    testScheduler.run(({ hot }) => {
      const graceful = new GracefulShutdown();
      graceful.watch({ closed$: EMPTY, gracefulShutdown: () => undefined, destroy: () => undefined });
      graceful.watch(fakeConnection(hot('--a|')));
      graceful.watch(fakeConnection(hot('----b|')));
      graceful.watch(fakeConnection(NEVER));
      expect(graceful.closedCount).to.equal(0);
      testScheduler.flush();
      expect(graceful.closedCount).to.equal(2);
      expect(graceful.count).to.equal(1);
    });
  });

  it('watches a connection once however often it is watched', () => {
    const graceful = new GracefulShutdown();
    const conn = fakeConnection(NEVER);
    graceful.watch(conn);
    graceful.watch(conn);
    expect(graceful.count).to.equal(1);
  });

  it('destroys every connection still open and says how many', () => {
    testScheduler.run(({ hot }) => {
      const graceful = new GracefulShutdown();
      const closedAlready = graceful.watch(fakeConnection(hot('a')));
      const open = graceful.watch(fakeConnection(NEVER));
      testScheduler.flush();
      expect(graceful.destroy()).to.equal(1);
      expect(open.destroy.callCount).to.equal(1);
      expect(closedAlready.destroy.called).to.equal(false);
      expect(graceful.count).to.equal(0);
    });
  });

  it('counts open connections by protocol, and describes each, `other` for those that do not say', () => {
    const graceful = new GracefulShutdown();
    const closes = new Subject<void>();
    graceful.watch({ ...fakeConnection(closes), protocol: 'http1' });
    graceful.watch({ ...fakeConnection(NEVER), protocol: 'http1' });
    graceful.watch(fakeConnection(NEVER));
    expect(graceful.countByProtocol).to.deep.equal({ http1: 2, other: 1 });
    closes.next();
    expect(graceful.countByProtocol).to.deep.equal({ http1: 1, other: 1 });
    expect(graceful.describe()).to.deep.equal([
      { protocol: 'http1', requests: [] },
      { protocol: 'other', requests: [] },
    ]);
  });

  it('emits shuttingDown$ once every connection has been told, replaying it to later subscribers', () => {
    const graceful = new GracefulShutdown();
    const conn = graceful.watch(fakeConnection(NEVER));
    const toldWhenEmitted: number[] = [];
    graceful.shuttingDown$.subscribe(() => toldWhenEmitted.push(conn.gracefulShutdown.callCount));
    expect(toldWhenEmitted, 'nothing before shutdown()').to.deep.equal([]);
    graceful.shutdown().subscribe();
    let late = 0;
    graceful.shuttingDown$.subscribe({ next: () => late++, complete: () => late++ });
    expect(toldWhenEmitted).to.deep.equal([1]);
    expect(late, 'a late subscriber gets it and the completion').to.equal(2);
  });
});
