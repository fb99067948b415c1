// GracefulShutdown.watch() after it was made lighter per connection for WebSocket (many
// idle connections): the meaning of closed$ is unchanged.
import { expect } from 'chai';
import { NEVER, Subject, of, throwError } from 'rxjs';
import sinon from 'sinon';
import { type GracefulConnection, GracefulShutdown } from '../lib/index.js';

function connection(closed$ = new Subject<void>()): GracefulConnection & { closed$: Subject<void> } {
  return { closed$, gracefulShutdown: sinon.spy(), destroy: sinon.spy() };
}

describe('GracefulShutdown.watch', () => {
  it('counts a connection closed at the first emission of its closed$', () => {
    const graceful = new GracefulShutdown();
    const conn = connection();
    graceful.watch(conn);
    expect(graceful.count).to.equal(1);
    conn.closed$.next();
    expect(graceful.count).to.equal(0);
    expect(conn.closed$.observed).to.equal(false);
  });

  it('counts a connection closed when its closed$ completes or errors without emitting', () => {
    const graceful = new GracefulShutdown();
    const completing = connection();
    const erroring = connection();
    graceful.watch(completing);
    graceful.watch(erroring);
    completing.closed$.complete();
    erroring.closed$.error(new Error('socket error'));
    expect(graceful.count).to.equal(0);
  });

  it('never counts a connection whose closed$ has already closed when watched', () => {
    const graceful = new GracefulShutdown();
    const counts: number[] = [];
    graceful.count$.subscribe((n) => counts.push(n));
    graceful.watch({ closed$: of(undefined), gracefulShutdown: () => undefined, destroy: () => undefined });
    graceful.watch({ closed$: throwError(() => new Error('x')), gracefulShutdown: () => undefined, destroy: () => undefined });
    expect(graceful.count).to.equal(0);
    expect(counts).to.deep.equal([0]);
  });

  it('watches the same connection once', () => {
    const graceful = new GracefulShutdown();
    const conn = connection();
    graceful.watch(conn);
    graceful.watch(conn);
    expect(graceful.count).to.equal(1);
  });

  it('completes shutdown() once every connection closed, including one watched meanwhile, which is told at once', () => {
    const graceful = new GracefulShutdown();
    const [a, b] = [connection(), connection()];
    graceful.watch(a);
    let done = 0;
    graceful.shutdown().subscribe({ next: () => done++ });
    expect(a.gracefulShutdown).to.have.property('calledOnce', true);
    graceful.watch(b);
    expect(b.gracefulShutdown).to.have.property('calledOnce', true);
    a.closed$.next();
    expect(done).to.equal(0);
    b.closed$.complete();
    expect(done).to.equal(1);
  });

  it('destroys what is still open and says how many', () => {
    const graceful = new GracefulShutdown();
    const [open, closed] = [connection(), connection()];
    graceful.watch(open);
    graceful.watch(closed);
    closed.closed$.next();
    graceful.watch({ closed$: NEVER, gracefulShutdown: () => undefined, destroy: () => undefined });
    expect(graceful.destroy()).to.equal(2);
    expect(open.destroy).to.have.property('calledOnce', true);
    expect(closed.destroy).to.have.property('called', false);
  });

  describe('a connection that knows it is closed (isClosed) before its closed$ says so', () => {
    /** Closed when told or destroyed, like a socket: its closed$ only speaks when `emit()` is called. */
    function closingConnection(closeWhenTold: boolean) {
      const closed$ = new Subject<void>();
      const conn = {
        isClosed: false,
        closed$,
        gracefulShutdown: () => void (closeWhenTold && (conn.isClosed = true)),
        destroy: () => void (conn.isClosed = true),
        emit: () => closed$.next(),
      };
      return conn;
    }

    it('is counted closed as it is told, and shutdown() emits then, not at its closed$', () => {
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(closingConnection(true));
      let done = 0;
      graceful.shutdown().subscribe(() => done++);
      expect(done).to.equal(1);
      expect(graceful.count).to.equal(0);
      conn.emit();
      expect(graceful.closedCount, 'counted once').to.equal(1);
    });

    it('changes count$ once for all the connections closed as shutdown() tells them', () => {
      const graceful = new GracefulShutdown();
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) graceful.watch(closingConnection(true));
      graceful.watch(closingConnection(false));
      graceful.count$.subscribe((count) => counts.push(count));
      graceful.shutdown().subscribe();
      expect(counts).to.deep.equal([4, 1]);
      expect(graceful.destroy()).to.equal(1);
      expect(counts).to.deep.equal([4, 1, 0]);
    });

    it('is counted closed as it is destroyed', () => {
      const graceful = new GracefulShutdown();
      graceful.watch(closingConnection(false));
      graceful.shutdown().subscribe();
      expect(graceful.count).to.equal(1);
      expect(graceful.destroy()).to.equal(1);
      expect(graceful.count).to.equal(0);
    });

    it('is never left open when it was closed before it was watched', () => {
      const graceful = new GracefulShutdown();
      const conn = closingConnection(false);
      conn.destroy();
      graceful.watch(conn);
      expect(graceful.count).to.equal(0);
      let done = 0;
      graceful.shutdown().subscribe(() => done++);
      expect(done).to.equal(1);
    });

    it('is counted at its closed$ when told but still open', () => {
      const graceful = new GracefulShutdown();
      const conn = graceful.watch(closingConnection(false));
      let done = 0;
      graceful.shutdown().subscribe(() => done++);
      expect(done).to.equal(0);
      conn.emit();
      expect(done).to.equal(1);
    });
  });
});
