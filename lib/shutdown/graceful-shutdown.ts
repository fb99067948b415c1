import { Observable, type Observer, ReplaySubject, Subject, Subscription, type Unsubscribable, defer, of, take } from 'rxjs';
import { CloseEvent } from './close-event.js';

/**
 * A connection that {@link GracefulShutdown} can watch: anything that can be asked to
 * drain, be destroyed, and tell when it has closed.
 *
 * Both verbs must be idempotent: calling either twice is harmless.
 *
 * @example
 * ```ts
 * const conn: GracefulConnection = {
 *   closed$: fromCloseEvent(socket),
 *   gracefulShutdown: () => socket.end(),
 *   destroy: () => socket.destroy(),
 * };
 * ```
 */
export interface GracefulConnection {
  /** Emits or completes once the connection is closed, for whatever reason. */
  readonly closed$: Observable<unknown>;
  /** Stop taking new work, finish what is in flight, then close. */
  gracefulShutdown(): void;
  /** Close at once, abandoning whatever is in flight. */
  destroy(): void;
  /**
   * What it speaks now (`http1`, `http2`, `websocket`...), to count open connections by
   * protocol: read each time they are counted, so it may change (an upgrade, a TLS
   * connection once ALPN has chosen).
   */
  readonly protocol?: string;
  /** What it is busy with now, for an operator to see what blocks a shutdown. */
  describe?(): ConnectionInfo;
  /**
   * Whether it is closed already, before `closed$` says so: a socket is closed when it is
   * destroyed, its `'close'` event comes a turn later. Read right after telling or
   * destroying the connection, to count it closed at once (as node's own `server.close()`
   * counts a destroyed socket).
   */
  readonly isClosed?: boolean;
}

/**
 * What a connection still open is busy with: its in-flight requests (for a WebSocket, its
 * upgrade request, whose `url` is the socket's path).
 *
 * @example
 * ```ts
 * const info: ConnectionInfo = {
 *   protocol: 'http1',
 *   remote: { address: '10.0.0.7', port: 51234 },
 *   requests: [{ method: 'GET', url: '/export.csv', age: 9_950 }],
 * };
 * ```
 */
export interface ConnectionInfo {
  readonly protocol: string;
  readonly remote?: { readonly address: string | undefined; readonly port: number | undefined };
  readonly requests: readonly RequestInfo[];
}

/**
 * A request in flight on a connection.
 *
 * @example
 * ```ts
 * const request: RequestInfo = { method: 'POST', url: '/upload', age: 1_200 };
 * ```
 */
export interface RequestInfo {
  readonly method: string;
  readonly url: string;
  /** Milliseconds since the request arrived. */
  readonly age: number;
}

/** The protocol label of a connection that does not say. */
const UNLABELLED = 'other';

/**
 * Coordinates the graceful shutdown of many connections: the RxJS counterpart of
 * hyper-util's `server::graceful::GracefulShutdown`.
 *
 * It knows nothing of timers or signals: `serve()` composes it with `timer(deadline)`
 * and `shutdown$`. A connection counts as closed at the first emission, the completion or
 * the error of its `closed$`, or as soon as its `isClosed` says so: when it is watched, told
 * to shut down, or destroyed.
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
 * server.on('connection', (socket) => graceful.watch(toConnection(socket)));
 * await firstValueFrom(graceful.shutdown());
 * ```
 */
export class GracefulShutdown {
  // One subscription a connection, and shutdown() waits on the count: a forkJoin over every
  // closed$ cost O(n) per close (each inner subscription is removed from an array of n) and
  // several subscribers per connection, so draining 10,000 connections was slower than
  // node's close() (bench/drain-latency.ts).
  // A close costs a Subject emission only when someone listens (count$ or shutdown()).
  private readonly open = new Map<GracefulConnection, Unsubscribable>();
  private readonly countChanges = new Subject<number>();
  private readonly emptied = new Subject<void>();
  private readonly told = new ReplaySubject<void>(1);
  private shuttingDown = false;
  private closedSoFar = 0;
  /** While all() runs: the count is told once, after. */
  private quiet = false;
  private readonly onClosed = (conn: GracefulConnection): void => this.forget(conn);

  /**
   * The number of watched connections still open, now and on every change (once for all the
   * connections that close as `shutdown()` tells them, or as `destroy()` destroys them).
   *
   * @example
   * ```ts
   * graceful.count$.subscribe((n) => console.log(`${n} open`));
   * ```
   */
  readonly count$: Observable<number> = new Observable<number>((subscriber) => {
    subscriber.next(this.open.size);
    return this.countChanges.subscribe(subscriber);
  });

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
   * How many watched connections have closed since this was made: the difference of two
   * readings is how many closed in between, whether or not they were watched then.
   *
   * @example
   * ```ts
   * const before = graceful.closedCount;
   * await firstValueFrom(graceful.shutdown());
   * console.log(`${graceful.closedCount - before} drained`);
   * ```
   */
  get closedCount(): number {
    return this.closedSoFar;
  }

  /**
   * The number of watched connections still open, by their `protocol` (`other` for those
   * that do not say); protocols with none open are left out.
   *
   * @example
   * ```ts
   * graceful.countByProtocol; // { http1: 3, websocket: 1 }
   * ```
   */
  get countByProtocol(): Readonly<Record<string, number>> {
    // Read now, not tallied at watch(): a connection's protocol changes as it is decided
    // (TLS by ALPN, `auto` by the preface) or upgraded (to a WebSocket).
    const counts: Record<string, number> = {};
    for (const conn of this.open.keys()) {
      const protocol = conn.protocol ?? UNLABELLED;
      counts[protocol] = (counts[protocol] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Emits once, then completes, when `shutdown()` has told every watched connection to
   * shut down (at once to a later subscriber). Work that should end with the server (a
   * long poll, a stream) listens to it: by then a response not yet begun will carry
   * `Connection: close`.
   *
   * @example
   * ```ts
   * interval(1000).pipe(takeUntil(graceful.shuttingDown$)).subscribe(tick);
   * ```
   */
  readonly shuttingDown$: Observable<void> = this.told.asObservable();

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
   * Whether shutdown has begun (a `shutdown()` was subscribed).
   *
   * @example
   * ```ts
   * if (graceful.isShuttingDown) refuseNewWork();
   * ```
   */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Tracks `conn` until its `closed$` emits or completes (at once if its `isClosed` says it
   * is closed already). A connection watched after shutdown began is told to shut down at
   * once.
   *
   * @returns the same connection, for chaining.
   * @example
   * ```ts
   * graceful.watch(connection);
   * ```
   */
  watch<C extends GracefulConnection>(conn: C): C {
    if (this.open.has(conn)) return conn;
    // Held before subscribing: closed$ may close synchronously, and forget() must find it.
    this.open.set(conn, Subscription.EMPTY);
    const closed$ = conn.closed$;
    const observer = new ClosedObserver(conn, this.onClosed);
    const subscription = closed$ instanceof CloseEvent ? closed$.listen(observer) : closed$.subscribe(observer);
    if (this.open.has(conn)) {
      this.open.set(conn, subscription);
      this.countChanged();
      // Closed before it was watched: its 'close' may have come and gone.
      if (conn.isClosed === true) this.forget(conn);
      else if (this.shuttingDown) this.tell(conn);
    } else {
      subscription.unsubscribe();
    }
    return conn;
  }

  /**
   * Tells every watched connection to shut down gracefully. Cold: the telling happens on
   * subscribe. Emits once and completes when every watched connection has closed,
   * including those watched after shutdown began; at once when there are none.
   *
   * @example
   * ```ts
   * await firstValueFrom(graceful.shutdown());
   * ```
   */
  shutdown(): Observable<void> {
    return defer(() => {
      this.shuttingDown = true;
      this.all((conn) => this.tell(conn));
      this.told.next();
      this.told.complete();
      return this.allClosed();
    });
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
    return this.all((conn) => {
      conn.destroy();
      if (conn.isClosed === true) this.forget(conn);
    });
  }

  // Does `action` to every watched connection, and tells the count once, after: 10,000 idle
  // connections closed as they are told change it once, not 10,000 times.
  private all(action: (conn: GracefulConnection) => void): number {
    const conns = [...this.open.keys()];
    this.quiet = true;
    try {
      for (const conn of conns) action(conn);
    } finally {
      this.quiet = false;
    }
    if (this.open.size !== conns.length) this.countChanged();
    return conns.length;
  }

  // An idle connection is closed as it is told: counted now, not 10,000 'close' events later.
  private tell(conn: GracefulConnection): void {
    conn.gracefulShutdown();
    if (conn.isClosed === true) this.forget(conn);
  }

  // Connections watched while waiting count too: it waits for the count to reach 0.
  private allClosed(): Observable<void> {
    return this.open.size === 0 ? of(undefined) : this.emptied.pipe(take(1));
  }

  private forget(conn: GracefulConnection): void {
    const subscription = this.open.get(conn);
    if (subscription === undefined) return;
    this.open.delete(conn);
    // Also releases closed$ (its event listener) once it has said its one word.
    subscription.unsubscribe();
    // A connection that closed while being watched was never counted.
    if (subscription === Subscription.EMPTY) return;
    this.closedSoFar++;
    if (!this.quiet) this.countChanged();
  }

  private countChanged(): void {
    if (this.countChanges.observed) this.countChanges.next(this.open.size);
    if (this.open.size === 0) this.emptied.next();
  }
}

/**
 * Forgets a connection at the first word of its closed$, whichever word it is. A class, so
 * that each watched connection costs one small object, not three closures.
 */
class ClosedObserver implements Observer<unknown> {
  constructor(
    private readonly conn: GracefulConnection,
    private readonly onClosed: (conn: GracefulConnection) => void,
  ) {}

  next(): void {
    this.onClosed(this.conn);
  }

  error(): void {
    this.onClosed(this.conn);
  }

  complete(): void {
    this.onClosed(this.conn);
  }
}
