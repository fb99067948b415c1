import { expect } from 'chai';
import { NEVER, type Observable, tap } from 'rxjs';
import type { ConnectionInfo } from '../lib/index.js';
import { GracefulShutdown } from '../lib/shutdown/graceful-shutdown.js';
import { type LifecycleOptions, lifecycle } from '../lib/shutdown/lifecycle.js';
import { FakeConnection, createTestScheduler } from '../lib/testing/index.js';

const slowExport: ConnectionInfo = {
  protocol: 'http1',
  remote: { address: '127.0.0.1', port: 50_000 },
  requests: [{ method: 'GET', url: '/export.csv', age: 1234 }],
};

/** A connection that closes by itself at `closes$`, busy with the slow export. */
const exporting = (closes$: Observable<unknown>): FakeConnection => new FakeConnection({ closes$, protocol: 'http1', info: slowExport });

/** The lifecycle without an accept loop: the connections are watched by the spec. */
const phases = (graceful: GracefulShutdown, options: Omit<LifecycleOptions<never>, 'accepts$' | 'graceful'>) =>
  lifecycle({ accepts$: NEVER, graceful, ...options });

describe('lifecycle (marbles): the signal, the accept stop, the drain raced with the deadline', () => {
  it("passes the accept loop's events through until the accept stop, and unsubscribes it there", () => {
    createTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const accepts$ = hot('-a--b--c--');
      const acceptsSubs = ' ^-----!   ';
      const shutdown$ = cold('------s   ');
      const expected = '     -a--b-(tsc|)';
      expectObservable(lifecycle({ accepts$, graceful: new GracefulShutdown(), shutdown$, deadline: 10 })).toBe(expected, {
        a: 'a',
        b: 'b',
        t: { type: 'stopping', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(accepts$.subscriptions).toBe(acceptsSubs);
    });
  });

  it('keeps accepting for drainDelay after the signal, then stops accepts at the shutdown event', () => {
    createTestScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const accepts$ = hot('-a--b--c--');
      const acceptsSubs = ' ^-----!   ';
      const shutdown$ = cold('--s       ');
      const expected = '     -at-b-(sc|)';
      expectObservable(lifecycle({ accepts$, graceful: new GracefulShutdown(), shutdown$, deadline: 10, drainDelay: 4 })).toBe(expected, {
        a: 'a',
        b: 'b',
        t: { type: 'stopping', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(accepts$.subscriptions).toBe(acceptsSubs);
    });
  });

  it('fails readiness at the signal, stops accepts drainDelay later, tells the connections then, and closes when the last has', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot('  --s-----------');
      const signalsSubs = '  ^-------!     ';
      const conn = hot('     --------c|    ');
      const expected = '     --t--s--(rc|) ';
      const graceful = new GracefulShutdown();
      const connection = graceful.watch(exporting(conn));
      expectObservable(phases(graceful, { shutdown$: signals, drainDelay: 3, deadline: 100 })).toBe(expected, {
        t: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
      testScheduler.flush();
      expect(connection.calls, 'told at the accept stop, not at the signal').to.deep.equal([{ method: 'gracefulShutdown', at: 5 }]);
    });
  });

  it('tells connections after the shutdown event is out, not before', () => {
    const graceful = new GracefulShutdown();
    const conn = graceful.watch(new FakeConnection({ drainsIn: 2 }));
    const toldAt: Record<string, number> = {};
    createTestScheduler().run(({ cold }) => {
      phases(graceful, { shutdown$: cold('-s'), deadline: 10, drainDelay: 3 })
        .pipe(tap((event) => (toldAt[event.type] = conn.gracefulShutdownCount)))
        .subscribe();
    });
    expect(toldAt).to.deep.equal({ stopping: 0, shutdown: 0, remaining: 1, closed: 1 });
  });

  it('counts the deadline from the signal, so drainDelay + drain never outlives it, and lists what was still open', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' --s--------------');
      const expected = '    --t--s----(orc|) ';
      const graceful = new GracefulShutdown();
      const connection = graceful.watch(exporting(NEVER));
      expectObservable(phases(graceful, { shutdown$: signals, drainDelay: 3, deadline: 8 })).toBe(expected, {
        t: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'deadline', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
      testScheduler.flush();
      expect(connection.calls.map(({ method, at }) => `${method}@${at}`)).to.deep.equal(['gracefulShutdown@5', 'destroy@10']);
    });
  });

  it('forces at once on a second signal during the delay', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot(' --s-f------');
      const signalsSubs = ' ^---!      ';
      const expected = '    --t-(sorc|)';
      const graceful = new GracefulShutdown();
      graceful.watch(exporting(NEVER));
      expectObservable(phases(graceful, { shutdown$: signals, drainDelay: 5, deadline: 100 })).toBe(expected, {
        t: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'forced', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
    });
  });

  it('forces at once on a second signal during the drain', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const signals = hot(' --s----f-----');
      const expected = '    --t-s--(orc|)';
      const graceful = new GracefulShutdown();
      graceful.watch(exporting(NEVER));
      expectObservable(phases(graceful, { shutdown$: signals, drainDelay: 2, deadline: 100 })).toBe(expected, {
        t: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        o: { type: 'overdue', reason: 'forced', connections: [slowExport] },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: false, drained: 0, forced: 1 },
      });
    });
  });

  it('goes through every phase in the signal frame when there is no delay and nothing open, leaving no timer', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const signals = hot(' --s---');
      const signalsSubs = ' ^-!   ';
      const expected = '    --(tsc|)';
      expectObservable(phases(new GracefulShutdown(), { shutdown$: signals, deadline: 10 })).toBe(expected, {
        t: { type: 'stopping', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
      expectSubscriptions(signals.subscriptions).toBe(signalsSubs);
      testScheduler.flush();
      expect(testScheduler.actions.length, 'no timer left scheduled').to.equal(0);
    });
  });

  it('stops accepts after drainDelay even when shutdown$ completes right after its signal (a Promise, timer(n))', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const signals = cold(' -(s|)    ');
      const expected = '     -t--(sc|)';
      expectObservable(phases(new GracefulShutdown(), { shutdown$: signals, drainDelay: 3, deadline: 10 })).toBe(expected, {
        t: { type: 'stopping', open: 0 },
        s: { type: 'shutdown', open: 0 },
        c: { type: 'closed', graceful: true, drained: 0, forced: 0 },
      });
    });
  });

  it('changes nothing when shutdown$ completes without a signal', () => {
    createTestScheduler().run(({ hot, cold, expectObservable }) => {
      const accepts$ = hot('-a---b--');
      expectObservable(lifecycle({ accepts$, graceful: new GracefulShutdown(), shutdown$: cold('--|'), deadline: 10 })).toBe('-a---b--', {
        a: 'a',
        b: 'b',
      });
    });
  });

  it('reports a connection that closes as soon as it is told as remaining, too', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const signals = hot(' -s----');
      const expected = '    -(tsrc|)';
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ drainsIn: 0 }));
      expectObservable(phases(graceful, { shutdown$: signals, deadline: 10 })).toBe(expected, {
        t: { type: 'stopping', open: 1 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
    });
  });

  it('reports each change of the open count by protocol while draining', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' -s-----------');
      const http = hot('    -----h|      ');
      const ws = hot('      -------w|    ');
      const expected = '    -(ts)r-(zc|) ';
      const graceful = new GracefulShutdown();
      graceful.watch(new FakeConnection({ closes$: http, protocol: 'http1' }));
      graceful.watch(new FakeConnection({ closes$: ws, protocol: 'websocket' }));
      expectObservable(phases(graceful, { shutdown$: signals, deadline: 100 })).toBe(expected, {
        t: { type: 'stopping', open: 2 },
        s: { type: 'shutdown', open: 2 },
        r: { type: 'remaining', open: 1, byProtocol: { websocket: 1 } },
        z: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 2, forced: 0 },
      });
      testScheduler.schedule(() => expect(graceful.countByProtocol).to.deep.equal({ http1: 1, websocket: 1 }), 2);
    });
  });

  it('leaves a connection accepted during the delay to serve until the accept stop, and counts it', () => {
    const testScheduler = createTestScheduler();
    testScheduler.run(({ hot, expectObservable }) => {
      const signals = hot(' -s-------');
      const late = hot('    ------l| ');
      const expected = '    -t--s-(rc|)';
      const graceful = new GracefulShutdown();
      const connection = exporting(late);
      testScheduler.schedule(() => graceful.watch(connection), 2);
      expectObservable(phases(graceful, { shutdown$: signals, drainDelay: 3, deadline: 100 })).toBe(expected, {
        t: { type: 'stopping', open: 0 },
        s: { type: 'shutdown', open: 1 },
        r: { type: 'remaining', open: 0, byProtocol: {} },
        c: { type: 'closed', graceful: true, drained: 1, forced: 0 },
      });
      testScheduler.flush();
      expect(connection.calls, 'told at the accept stop, not during the delay').to.deep.equal([{ method: 'gracefulShutdown', at: 4 }]);
    });
  });
});
