import { Observable, type Observer, ReplaySubject, Subject, type Unsubscribable, defer, of, take } from 'rxjs';
import { type ConnectionInfo, type GracefulConnection, SocketConnection, WATCHED_BY, type Watcher } from './connection.js';

/** The protocol label of a connection that does not say. */
const UNLABELLED = 'other';

/** What the open map holds for a connection that tells its close itself, or is being watched. */
const NOTHING_TO_END: Unsubscribable = { unsubscribe: () => undefined };
const BEING_WATCHED: Unsubscribable = { unsubscribe: () => undefined };

/**
 * Coordinates the graceful shutdown of many connections: the RxJS counterpart of
 * hyper-util's `server::graceful::GracefulShutdown`.
 *
 * It knows nothing of timers or signals: `serve()` composes it with `timer(deadline)` and
 * `shutdown$` (see {@link drain}). A connection counts as closed at the first emission, the
 * completion or the error of its `closed$`.
 *
 * ```
 * conn a closed$:  ----a|
 * conn b closed$:  ----------b|
 * shutdown():      ^---------(x|)     x = undefined, once every watched connection closed
 * ```
 *
 * @example
 * ```ts
 * const graceful = new GracefulShutdown();
 * server.on('connection', (socket) =>
 *   graceful.watch({ closed$: fromEvent(socket, 'close').pipe(take(1)), gracefulShutdown: () => socket.end(), destroy: () => socket.destroy() }),
 * );
 * await firstValueFrom(graceful.shutdown());
 * ```
 */
export class GracefulShutdown {
  // The only record of what is open: the count is its size, the empty map is "all closed".
  private readonly open = new Map<GracefulConnection, Unsubscribable>();
  private readonly changes = new Subject<number>();
  private readonly countListeners: Array<(open: number) => void> = [];
  /** While shutdown() or destroy() goes through every connection: listeners hear the count once, after. */
  private sweeping = false;
  private watchedSoFar = 0;
  private readonly emptied = new Subject<void>();
  private readonly told = new ReplaySubject<void>(1);
  private shuttingDown = false;
  // Every path by which a connection closes ends here: a closed$ word, or a connection of
  // rxserve's own saying so.
  private readonly watcher: Watcher = {
    closed: (conn) => this.forget(conn),
    replaced: (conn, next) => this.replace(conn, next),
  };

  /**
   * The number of watched connections still open, now and on every change.
   *
   * @example
   * ```ts
   * graceful.count$.subscribe((n) => console.log(`${n} open`));
   * ```
   */
  readonly count$: Observable<number> = new Observable<number>((subscriber) => {
    subscriber.next(this.open.size);
    return this.changes.subscribe(subscriber);
  });

  /**
   * Emits once, then completes, when `shutdown()` has told every watched connection to
   * shut down (at once to a later subscriber): the moment draining begins. Work that should
   * end with the server (a long poll, a stream) listens to it; `serve()` gives it to
   * handlers as `ctx.draining$`.
   *
   * @example
   * ```ts
   * interval(1000).pipe(takeUntil(graceful.draining$)).subscribe(tick);
   * ```
   */
  readonly draining$: Observable<void> = this.told.asObservable();

  /**
   * The number of watched connections still open.
   *
   * @example
   * ```ts
   * if (graceful.count === 0) console.log('idle');
   * ```
   */
  get count(): number {
    return this.open.size;
  }

  /**
   * The number of watched connections still open, by what each `protocol` says now
   * (`other` for those that do not say); protocols with none open are left out.
   *
   * @example
   * ```ts
   * graceful.countByProtocol; // { http1: 3, websocket: 1 }
   * ```
   */
  get countByProtocol(): Readonly<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const conn of this.open.keys()) {
      const protocol = conn.protocol ?? UNLABELLED;
      counts[protocol] = (counts[protocol] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Whether draining has begun (a `shutdown()` was subscribed).
   *
   * @example
   * ```ts
   * if (graceful.isDraining) refuseNewWork();
   * ```
   */
  get isDraining(): boolean {
    return this.shuttingDown;
  }

  /**
   * Describes each watched connection still open (see {@link GracefulConnection.describe}).
   *
   * @example
   * ```ts
   * for (const { protocol, requests } of graceful.describe()) console.log(protocol, requests);
   * ```
   */
  describe(): ConnectionInfo[] {
    return [...this.open.keys()].map((conn) => conn.describe?.() ?? { protocol: conn.protocol ?? UNLABELLED, requests: [] });
  }

  /**
   * Tracks `conn` until its `closed$` emits, completes or errors. One whose `closed$` has
   * already ended when watched is never counted as open. A connection watched after
   * shutdown began is told to shut down at once.
   *
   * @returns the same connection, for chaining.
   * @example
   * ```ts
   * graceful.watch(connection);
   * ```
   */
  watch<C extends GracefulConnection>(conn: C): C {
    if (this.open.has(conn) || !this.follow(conn)) return conn;
    this.watchedSoFar++;
    this.countChanged();
    if (this.shuttingDown) conn.gracefulShutdown();
    return conn;
  }

  /**
   * Tells every watched connection to shut down gracefully, and waits for {@link allClosed}.
   * Cold: the telling happens on subscribe. Emits once and completes when every watched
   * connection has closed, including those watched after shutdown began; at once when
   * there are none.
   *
   * @example
   * ```ts
   * await firstValueFrom(graceful.shutdown());
   * ```
   */
  shutdown(): Observable<void> {
    return defer(() => {
      this.shuttingDown = true;
      this.sweep((conn) => conn.gracefulShutdown());
      this.told.next();
      this.told.complete();
      return this.allClosed();
    });
  }

  /**
   * Emits once and completes when no watched connection is open: at once when none is.
   *
   * This is `forkJoin` over every `closed$`, written as a count: a `forkJoin` over 10,000
   * `closed$` removes each inner subscription from an array of them as it completes, O(n)
   * a close and O(n²) a drain, slower than node's own `server.close()`
   * (bench/drain-latency.ts). It differs where `forkJoin` would be wrong for a drain:
   * `forkJoin([])` completes without emitting, so raced with a deadline it says nothing;
   * and a connection watched while waiting is waited for too.
   *
   * ```
   * conn a closed$:  --a|
   * conn b closed$:  ------b|
   * allClosed():     ------(x|)    as forkJoin([a, b]) would
   * none watched:    (x|)          where forkJoin([]) would only complete: |
   * ```
   *
   * @example
   * ```ts
   * race(graceful.allClosed(), timer(10_000)).subscribe(() => graceful.destroy());
   * ```
   */
  allClosed(): Observable<void> {
    return defer(() => (this.open.size === 0 ? of(undefined) : this.emptied.pipe(take(1))));
  }

  /**
   * Destroys every watched connection still open, at once.
   *
   * @returns how many were destroyed.
   * @example
   * ```ts
   * const forced = graceful.destroy();
   * ```
   */
  destroy(): number {
    return this.sweep((conn) => conn.destroy());
  }

  /**
   * How many connections have been counted open since this was made: what a drain adds to
   * the count it started with, to know how many it drained.
   * @internal
   */
  get watchedCount(): number {
    return this.watchedSoFar;
  }

  // `action` to every connection open now; the count listeners hear the count once, after:
  // 10,000 idle connections closed as they are told are one change to a drain, not 10,000.
  private sweep(action: (conn: GracefulConnection) => void): number {
    const conns = [...this.open.keys()];
    this.sweeping = true;
    try {
      for (const conn of conns) action(conn);
    } finally {
      this.sweeping = false;
    }
    if (this.open.size !== conns.length) for (const listener of this.countListeners) listener(this.open.size);
    return conns.length;
  }

  // Listens for the close of `conn`, and holds it open; false when it closed meanwhile.
  private follow(conn: GracefulConnection): boolean {
    // Held before listening: the connection may close while it is being watched.
    this.open.set(conn, BEING_WATCHED);
    let ending: Unsubscribable = NOTHING_TO_END;
    if (conn instanceof SocketConnection) conn[WATCHED_BY](this.watcher);
    else ending = conn.closed$.subscribe(new ClosedObserver(conn, this.watcher));
    if (!this.open.has(conn)) {
      ending.unsubscribe();
      return false;
    }
    this.open.set(conn, ending);
    return true;
  }

  // The same open connection under a new name: not one more watched, one fewer only if
  // `next` has closed already.
  private replace(conn: GracefulConnection, next: GracefulConnection): boolean {
    const ending = this.open.get(conn);
    if (ending === undefined || ending === BEING_WATCHED || this.open.has(next)) return false;
    this.open.delete(conn);
    ending.unsubscribe();
    if (!this.follow(next)) this.countChanged();
    else if (this.shuttingDown) next.gracefulShutdown();
    return true;
  }

  private forget(conn: GracefulConnection): void {
    const ending = this.open.get(conn);
    if (ending === undefined) return;
    this.open.delete(conn);
    // Ends its closed$ subscription (its event listener) once it has said its one word.
    ending.unsubscribe();
    // Closed while being watched: it was never counted open.
    if (ending !== BEING_WATCHED) this.countChanged();
  }

  /**
   * Calls `listener` with the open count when it changes, until the returned function is
   * called: rxserve's own drain listens so, because it runs at every close, and a
   * Subscriber chain a close is what made draining 1,000 idle connections slower than
   * node's `server.close()` (bench/drain-latency.ts, pinned). The closes that `shutdown()`
   * or `destroy()` cause as they go through every connection are heard as one change.
   * @internal
   */
  onCountChange(listener: (open: number) => void): () => void {
    this.countListeners.push(listener);
    return () => {
      const index = this.countListeners.indexOf(listener);
      if (index >= 0) this.countListeners.splice(index, 1);
    };
  }

  private countChanged(): void {
    const open = this.open.size;
    if (!this.sweeping) for (const listener of this.countListeners) listener(open);
    if (this.changes.observed) this.changes.next(open);
    if (open === 0) this.emptied.next();
  }
}

/**
 * Forgets a connection at the first word of its closed$, whichever word it is. A class, so
 * that each watched connection costs one small object, not three closures.
 */
class ClosedObserver implements Observer<unknown> {
  constructor(
    private readonly conn: GracefulConnection,
    private readonly watcher: Watcher,
  ) {}

  next(): void {
    this.watcher.closed(this.conn);
  }

  error(): void {
    this.watcher.closed(this.conn);
  }

  complete(): void {
    this.watcher.closed(this.conn);
  }
}
