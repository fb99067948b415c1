import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { expect } from 'chai';
import { EMPTY, NEVER, Subject, firstValueFrom, forkJoin, of, throwError } from 'rxjs';
import { type GracefulConnection, GracefulShutdown } from '../lib/index.js';
import { SocketConnection } from '../lib/shutdown/connection.js';
import { FakeConnection, createTestScheduler } from '../lib/testing/index.js';

/** A connection whose closed$ is a Subject the spec drives. */
function subjectConnection(): GracefulConnection & { closed$: Subject<void> } {
  return { closed$: new Subject<void>(), gracefulShutdown: () => undefined, destroy: () => undefined };
}

describe('GracefulShutdown', () => {
  describe('shutdown()', () => {
    it('tells every watched connection once on subscribe, and completes only when every one has closed', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
        const a = hot('    -----a--|   ');
        const aSubs = '    ^----!      ';
        const b = hot('    ---------b| ');
        const bSubs = '    ^--------!  ';
        const expected = ' ---------(x|)';
        const graceful = new GracefulShutdown();
        const conns = [new FakeConnection({ closes$: a }), new FakeConnection({ closes$: b })].map((conn) => graceful.watch(conn));
        const shutdown$ = graceful.shutdown();
        expect(conns[0]!.gracefulShutdownCount, 'cold: nothing before subscribe').to.equal(0);
        expectObservable(shutdown$).toBe(expected, { x: undefined });
        expectSubscriptions(a.subscriptions).toBe(aSubs);
        expectSubscriptions(b.subscriptions).toBe(bSubs);
        testScheduler.flush();
        expect(conns.map((conn) => conn.calls.map(({ method }) => method))).to.deep.equal([['gracefulShutdown'], ['gracefulShutdown']]);
      });
    });

    it('emits at once when no connection is watched, and firstValueFrom() resolves', async () => {
      createTestScheduler().run(({ expectObservable }) => {
        expectObservable(new GracefulShutdown().shutdown()).toBe('(x|)', { x: undefined });
      });
      expect(await firstValueFrom(new GracefulShutdown().shutdown())).to.equal(undefined);
    });

    it('tells a connection watched after shutdown began at once, and waits for it too', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot, expectObservable }) => {
        const graceful = new GracefulShutdown();
        graceful.watch(new FakeConnection({ closes$: hot('------a|') }));
        const late = new FakeConnection({ closes$: hot('--------l|') });
        testScheduler.schedule(() => {
          graceful.watch(late);
          expect(late.calls, 'told at the moment it is watched').to.deep.equal([{ method: 'gracefulShutdown', at: 4 }]);
        }, 4);
        expectObservable(graceful.shutdown()).toBe('--------(x|)', { x: undefined });
      });
    });

    it('emits draining$ once every connection has been told, replaying it to later subscribers', () => {
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(new FakeConnection());
      const toldWhenEmitted: number[] = [];
      graceful.draining$.subscribe(() => toldWhenEmitted.push(conn.gracefulShutdownCount));
      expect(toldWhenEmitted, 'nothing before shutdown()').to.deep.equal([]);
      expect(graceful.isDraining).to.equal(false);
      graceful.shutdown().subscribe();
      let late = 0;
      graceful.draining$.subscribe({ next: () => late++, complete: () => late++ });
      expect(toldWhenEmitted).to.deep.equal([1]);
      expect(late, 'a late subscriber gets it and the completion').to.equal(2);
      expect(graceful.isDraining).to.equal(true);
    });
  });

  describe('allClosed(), the forkJoin over every closed$ it stands for', () => {
    it('emits when the last connection closes, in the frame forkJoin over their closed$ would', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot, expectObservable }) => {
        const a = hot('  --a|    ');
        const b = hot('  ------b|');
        const graceful = new GracefulShutdown();
        graceful.watch({ closed$: a, gracefulShutdown: () => undefined, destroy: () => undefined });
        graceful.watch({ closed$: b, gracefulShutdown: () => undefined, destroy: () => undefined });
        expectObservable(forkJoin([a, b])).toBe('-------(x|)', { x: ['a', 'b'] });
        expectObservable(graceful.allClosed()).toBe('------(x|)', { x: undefined });
      });
    });

    it('emits at once with nothing watched, where forkJoin([]) only completes (and would say nothing raced with a deadline)', () => {
      createTestScheduler().run(({ expectObservable }) => {
        expectObservable(forkJoin([])).toBe('|');
        expectObservable(new GracefulShutdown().allClosed()).toBe('(x|)', { x: undefined });
      });
    });

    it('waits for a connection watched while it waits, which a forkJoin made before could not', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot, expectObservable }) => {
        const graceful = new GracefulShutdown();
        graceful.watch(new FakeConnection({ closes$: hot('--a|') }));
        const late = new FakeConnection({ closes$: hot('-----l|') });
        testScheduler.schedule(() => graceful.watch(late), 1);
        expectObservable(graceful.allClosed()).toBe('-----(x|)', { x: undefined });
      });
    });
  });

  describe('watch()', () => {
    it('counts a connection closed at the first emission, the completion or the error of its closed$, and lets go of it then', () => {
      const graceful = new GracefulShutdown();
      const [emitting, completing, erroring] = [subjectConnection(), subjectConnection(), subjectConnection()];
      for (const conn of [emitting, completing, erroring]) graceful.watch(conn);
      expect(graceful.count).to.equal(3);
      emitting.closed$.next();
      completing.closed$.complete();
      erroring.closed$.error(new Error('socket error'));
      expect(graceful.count).to.equal(0);
      expect([emitting, completing, erroring].map((conn) => conn.closed$.observed)).to.deep.equal([false, false, false]);
    });

    it('never counts, not even for a moment on count$, a connection whose closed$ has ended when it is watched', () => {
      const graceful = new GracefulShutdown();
      const counts: number[] = [];
      graceful.count$.subscribe((n) => counts.push(n));
      for (const closed$ of [of(undefined), EMPTY, throwError(() => new Error('reset'))]) {
        graceful.watch({ closed$, gracefulShutdown: () => undefined, destroy: () => undefined });
      }
      expect(graceful.count).to.equal(0);
      expect(counts).to.deep.equal([0]);
    });

    it('watches a connection once however often it is watched', () => {
      const graceful = new GracefulShutdown();
      const conn = new FakeConnection();
      graceful.watch(conn);
      graceful.watch(conn);
      expect(graceful.count).to.equal(1);
    });

    it('tells count$ each change, one a close, down to 0', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot, expectObservable }) => {
        const graceful = new GracefulShutdown();
        graceful.watch(new FakeConnection({ closes$: hot('--a|') }));
        graceful.watch(new FakeConnection({ closes$: hot('--b|') }));
        graceful.watch(new FakeConnection({ closes$: hot('------c|') }));
        expectObservable(graceful.count$).toBe('n-(ot)z', { n: 3, o: 2, t: 1, z: 0 });
      });
    });

    it('counts open connections by what their protocol says now, and describes each, `other` for those that do not say', () => {
      const graceful = new GracefulShutdown();
      const upgrading = { ...subjectConnection(), protocol: 'http1' };
      graceful.watch(upgrading);
      graceful.watch(new FakeConnection({ protocol: 'http1' }));
      graceful.watch(subjectConnection());
      expect(graceful.countByProtocol).to.deep.equal({ http1: 2, other: 1 });
      upgrading.protocol = 'websocket';
      expect(graceful.countByProtocol).to.deep.equal({ http1: 1, websocket: 1, other: 1 });
      upgrading.closed$.next();
      expect(graceful.describe()).to.deep.equal([
        { protocol: 'http1', requests: [] },
        { protocol: 'other', requests: [] },
      ]);
    });
  });

  describe('destroy()', () => {
    it('destroys every connection still open and says how many', () => {
      const testScheduler = createTestScheduler();
      testScheduler.run(({ hot }) => {
        const graceful = new GracefulShutdown();
        const closedAlready = graceful.watch(new FakeConnection({ closes$: hot('a') }));
        const open = graceful.watch(new FakeConnection({ closes$: NEVER }));
        testScheduler.flush();
        expect(graceful.destroy()).to.equal(1);
        expect([open.destroyCount, closedAlready.destroyCount]).to.deep.equal([1, 0]);
        expect(graceful.count).to.equal(0);
      });
    });
  });

  // rxserve's own connections (HTTP/1.1, HTTP/2, TLS and auto) tell the coordinator they
  // closed instead of being subscribed to; the meaning is the same as a closed$.
  describe('a connection of rxserve’s own, over a real socket', () => {
    class SocketOnly extends SocketConnection<Socket> {
      subscriptions = 0;
      constructor(socket: Socket) {
        super(socket);
        socket.once('close', () => this.reportClosed());
      }
      override get closed$() {
        this.subscriptions++;
        return super.closed$;
      }
      gracefulShutdown(): void {
        this.socket.destroy();
        this.reportClosed();
      }
      destroy(): void {
        this.socket.destroy();
        this.reportClosed();
      }
    }

    let sockets: Socket[];
    let server: ReturnType<typeof createServer>;

    beforeEach(async () => {
      sockets = [];
      server = createServer((socket) => sockets.push(socket));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });

    afterEach(async () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    });

    async function accepted(): Promise<{ server: Socket; client: Socket }> {
      const accepting = once(server, 'connection') as Promise<[Socket]>;
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      sockets.push(client);
      return { server: (await accepting)[0], client };
    }

    it('is counted closed as soon as it destroys its socket, a turn before the socket’s close, and its closed$ is never subscribed', async () => {
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(new SocketOnly((await accepted()).server));
      let done = 0;
      graceful.shutdown().subscribe(() => done++);
      expect([done, graceful.count, conn.subscriptions]).to.deep.equal([1, 0, 0]);
    });

    it('is counted closed at its socket’s close when the peer closes it', async () => {
      const graceful = new GracefulShutdown();
      const { server: socket, client } = await accepted();
      graceful.watch(new SocketOnly(socket));
      const closed = firstValueFrom(graceful.allClosed());
      client.destroy();
      await closed;
      expect(graceful.count).to.equal(0);
    });

    it('is never counted open when its socket was destroyed before it was watched', async () => {
      const graceful = new GracefulShutdown();
      const { server: socket } = await accepted();
      socket.destroy();
      const counts: number[] = [];
      graceful.count$.subscribe((n) => counts.push(n));
      graceful.watch(new SocketOnly(socket));
      expect(counts).to.deep.equal([0]);
    });

    it('has a closed$ that emits at its socket’s close, and at once once closed, for those who subscribe', async () => {
      const { server: socket, client } = await accepted();
      const conn = new SocketOnly(socket);
      const closed = firstValueFrom(conn.closed$);
      client.destroy();
      await closed;
      expect(await firstValueFrom(conn.closed$)).to.equal(undefined);
    });

    // An upgrade: the HTTP/1.1 connection gives its place to the WebSocket its socket became.
    class Upgrading extends SocketOnly {
      gracefulShutdowns = 0;
      override gracefulShutdown(): void {
        this.gracefulShutdowns++;
      }
      becomes(next: GracefulConnection): boolean {
        return this.handOver(next);
      }
    }

    it('hands its place to what its socket became: counted as the same one open, drained and closed as the new one', async () => {
      const graceful = new GracefulShutdown();
      const { server: socket, client } = await accepted();
      const http1 = graceful.watch(new Upgrading(socket));
      const counts: number[] = [];
      graceful.count$.subscribe((n) => counts.push(n));
      const websocket = new Upgrading(socket);
      expect(http1.becomes(websocket)).to.equal(true);
      expect([graceful.count, graceful.watchedCount, counts]).to.deep.equal([1, 1, [1]]);
      graceful.shutdown().subscribe();
      expect([http1.gracefulShutdowns, websocket.gracefulShutdowns]).to.deep.equal([0, 1]);
      const closed = firstValueFrom(graceful.allClosed());
      client.destroy();
      await closed;
      expect(counts).to.deep.equal([1, 0]);
    });

    it('hands over during a shutdown: the new one is told at once; and one already closed counts as a close', async () => {
      const graceful = new GracefulShutdown();
      const first = await accepted();
      const second = await accepted();
      const draining = graceful.watch(new Upgrading(first.server));
      const closing = graceful.watch(new Upgrading(second.server));
      graceful.shutdown().subscribe();
      const next = new Upgrading(first.server);
      expect(draining.becomes(next)).to.equal(true);
      expect(next.gracefulShutdowns).to.equal(1);
      second.server.destroy();
      expect(closing.becomes(new Upgrading(second.server))).to.equal(true);
      expect(graceful.count).to.equal(1);
    });

    it('keeps its place when nothing watches it', async () => {
      const { server: socket } = await accepted();
      expect(new Upgrading(socket).becomes(new Upgrading(socket))).to.equal(false);
    });
  });
});
