import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { type Observable, Subject } from 'rxjs';
import { type ConnectionInfo, GracefulShutdown, shutdownSequence } from '../lib/index.js';
import { type FakeConnection, fakeConnection } from './support/fake-connection.js';

/** A fake connection that says what it speaks and what it is busy with. */
function labelled(closes$: Observable<unknown>, info: ConnectionInfo): FakeConnection {
  return { ...fakeConnection(closes$), protocol: info.protocol, describe: () => info };
}

const slowExport: ConnectionInfo = {
  protocol: 'http1',
  remote: { address: '127.0.0.1', port: 50_000 },
  requests: [{ method: 'GET', url: '/export.csv', age: 1234 }],
};

describe('shutdownSequence (marbles)', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('fails readiness at the signal, stops accepts drainDelay later, and closes when the last connection has', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot('  --s-----------');
      const signalsSubs = '  ^-------!     ';
      const conn = hot('     --------c|    ');
      const expected = '     --d--s--(rc|) ';
      const graceful = new GracefulShutdown();
      const connection = graceful.watch(labelled(conn, slowExport));
      expectObservable(shutdownSequence(graceful, signals, { drainDelay: 3, deadline: 100 })).toBe(expected, {
        d: { type: 'draining', open: 1 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
      const toldBy: number[] = [];
      for (const frame of [4, 6]) testScheduler.schedule(() => toldBy.push(connection.gracefulShutdown.callCount), frame);
      testScheduler.flush();
      expect(toldBy, 'told at the accept stop, not at the signal').to.deep.equal([0, 1]);
    });
  });

  it('counts the deadline from the signal, so drainDelay + drain never outlives it, and lists what was still open', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' --s--------------');
      const stuck = hot('   -----------------');
      const expected = '    --d--s----(orc|) ';
      const graceful = new GracefulShutdown();
      const connection = graceful.watch(labelled(stuck, slowExport));
      expectObservable(shutdownSequence(graceful, signals, { drainDelay: 3, deadline: 8 })).toBe(expected, {
        d: { type: 'draining', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'deadline', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
      testScheduler.flush();
      expect(connection.destroy.callCount).to.equal(1);
    });
  });

  it('forces at once on a second signal during the delay', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot(' --s-t------');
      const signalsSubs = ' ^---!      ';
      const expected = '    --d-(sorc|)';
      const graceful = new GracefulShutdown();
      graceful.watch(labelled(hot('-'), slowExport));
      expectObservable(shutdownSequence(graceful, signals, { drainDelay: 5, deadline: 100 })).toBe(expected, {
        d: { type: 'draining', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'forced', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
    });
  });

  it('forces at once on a second signal during the drain', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' --s----t-----');
      const expected = '    --d-s--(orc|)';
      const graceful = new GracefulShutdown();
      graceful.watch(labelled(hot('-'), slowExport));
      expectObservable(shutdownSequence(graceful, signals, { drainDelay: 2, deadline: 100 })).toBe(expected, {
        d: { type: 'draining', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'forced', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
    });
  });

  it('goes through every phase in the signal frame when there is no delay and nothing open, leaving no timer', () => {
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot(' --s---');
      const signalsSubs = ' ^-!   ';
      const expected = '    --(dsc|)';
      expectObservable(shutdownSequence(new GracefulShutdown(), signals, { deadline: 10 })).toBe(expected, {
        d: { type: 'draining', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
      testScheduler.flush();
      expect(testScheduler.actions.length, 'no timer left scheduled').to.equal(0);
    });
  });

  it('stops accepts after drainDelay even when shutdown$ completes right after its signal (a Promise, timer(n))', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const signals = cold(' -(s|)    ');
      const expected = '     -d--(sc|)';
      expectObservable(shutdownSequence(new GracefulShutdown(), signals, { drainDelay: 3, deadline: 10 })).toBe(expected, {
        d: { type: 'draining', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
    });
  });

  it('reports a connection that closes as soon as it is told as remaining, too', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' -s----');
      const expected = '    -(dsrc|)';
      const graceful = new GracefulShutdown();
      const closes = new Subject<void>();
      graceful.watch({ closed$: closes, gracefulShutdown: () => closes.next(), destroy: () => closes.next() });
      expectObservable(shutdownSequence(graceful, signals, { deadline: 10 })).toBe(expected, {
        d: { type: 'draining', open: 1 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
    });
  });

  it('reports each change of the open count by protocol while draining', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' -s-----------');
      const http = hot('    -----h|      ');
      const ws = hot('      -------w|    ');
      const expected = '    -(ds)r-(zc|) ';
      const graceful = new GracefulShutdown();
      graceful.watch(labelled(http, { protocol: 'http1', requests: [] }));
      graceful.watch(labelled(ws, { protocol: 'websocket', requests: [{ method: 'GET', url: '/chat', age: 0 }] }));
      expectObservable(shutdownSequence(graceful, signals, { deadline: 100 })).toBe(expected, {
        d: { type: 'draining', open: 2 },
        s: { type: 'shutdown', open: 2 },
        r: { type: 'remaining', open: 1, byProtocol: { websocket: 1 } },
        z: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 2, forced: 0 },
      });
      testScheduler.schedule(() => expect(graceful.countByProtocol).to.deep.equal({ http1: 1, websocket: 1 }), 2);
    });
  });

  it('leaves a connection accepted during the delay to serve until the accept stop, and counts it', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' -s-------');
      const late = hot('    ------l| ');
      const expected = '    -d--s-(rc|)';
      const graceful = new GracefulShutdown();
      const connection = labelled(late, slowExport);
      testScheduler.schedule(() => graceful.watch(connection), 2);
      expectObservable(shutdownSequence(graceful, signals, { drainDelay: 3, deadline: 100 })).toBe(expected, {
        d: { type: 'draining', open: 0 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
      testScheduler.schedule(() => expect(connection.gracefulShutdown.callCount, 'not told during the delay').to.equal(0), 3);
    });
  });
});
