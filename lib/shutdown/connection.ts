import type { Duplex } from 'node:stream';
import { type Observable, defer, fromEvent, of, take } from 'rxjs';
import type { Remote } from '../events.js';

/**
 * A connection that {@link GracefulShutdown} can watch: anything that can be asked to
 * drain, be destroyed, and tell when it has closed. Both verbs must be idempotent.
 *
 * @example
 * ```ts
 * const conn: GracefulConnection = {
 *   closed$: fromEvent(socket, 'close').pipe(take(1)),
 *   gracefulShutdown: () => socket.end(),
 *   destroy: () => socket.destroy(),
 * };
 * graceful.watch(conn);
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
  readonly remote?: Remote;
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

/**
 * What a coordinator is told by the connections that tell it themselves when they close.
 */
export interface Watcher {
  closed(conn: GracefulConnection): void;
  /**
   * `conn`'s socket became `next` (an upgrade): `next` takes its place, counted as the same
   * open connection. False when `conn` is not one it counts open.
   */
  replaced(conn: GracefulConnection, next: GracefulConnection): boolean;
}

/** The key under which rxserve's own connections take their {@link Watcher}. */
export const WATCHED_BY = Symbol('rxserve.watchedBy');

/**
 * A connection of rxserve's own, over one socket. Its `closed$` is the socket's first
 * `'close'`, as a user's connection would write it; but a {@link GracefulShutdown} that
 * watches it subscribes to nothing: the connection tells it, once, from the listeners it
 * has anyway (hyper-util's watcher does the same), and as soon as it has destroyed its
 * socket itself, a turn before that socket's `'close'` (node's own `server.close()` counts a
 * destroyed socket the same way). A subscription is half a dozen objects kept as long as
 * an idle keep-alive connection lives, and ending it costs more than the rest of forgetting
 * the connection (bench/drain-latency.ts, 10,000 connections).
 */
export abstract class SocketConnection<S extends Duplex = Duplex> implements GracefulConnection {
  private watcher: Watcher | undefined;

  constructor(protected readonly socket: S) {}

  /** The socket's first `'close'` (at once for a socket already closed). */
  get closed$(): Observable<unknown> {
    const socket = this.socket;
    return defer(() => (socket.closed ? of(undefined) : fromEvent(socket, 'close').pipe(take(1))));
  }

  /** Drains as its protocol does; see {@link GracefulConnection.gracefulShutdown}. */
  abstract gracefulShutdown(): void;
  /** Destroys the socket, then {@link reportClosed}. */
  abstract destroy(): void;

  /** Called by {@link GracefulShutdown.watch}: from now on this connection tells `watcher` it closed. */
  [WATCHED_BY](watcher: Watcher): void {
    this.watcher = watcher;
    if (this.socket.destroyed) this.reportClosed();
  }

  /**
   * Gives this connection's place in its watcher to `next`, what its socket has become (a
   * WebSocket after an upgrade), so that only `next` is kept while the socket lives; `next`
   * must tell its own close from then on. False when nothing watches this connection.
   */
  protected handOver(next: GracefulConnection): boolean {
    const watcher = this.watcher;
    if (!watcher?.replaced(this, next)) return false;
    this.watcher = undefined;
    return true;
  }

  /**
   * Tells the watcher, once, that this connection is closed: call it at the socket's
   * `'close'` and right after destroying the socket.
   */
  protected reportClosed(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    watcher?.closed(this);
  }
}
