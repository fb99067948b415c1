import type { AddressInfo } from 'node:net';
import type { RxServeError } from './errors.js';
import type { ConnectionInfo } from './shutdown/connection.js';

/**
 * The first event of a server: it is bound and accepting.
 *
 * @example
 * ```ts
 * server$.pipe(first()).subscribe((e) => console.log(`listening on ${e.url}`));
 * ```
 */
export interface ListeningEvent {
  readonly type: 'listening';
  /** Where it listens over TCP; for a Unix socket, family `'unix'`, the path, port 0. */
  readonly address: AddressInfo;
  /** The Unix domain socket it listens on (the `path` option, or an inherited one). */
  readonly path?: string;
  /** The inherited socket's descriptor, with the `fd` option. */
  readonly fd?: number;
  /**
   * `http://host:port` (`localhost` stands for an unspecified address, `::` or `0.0.0.0`);
   * for a Unix socket `http+unix://` and the path, percent-encoded.
   */
  readonly url: string;
}

/**
 * The signal: shutdown$ emitted. Readiness now fails (503) so load balancers stop sending,
 * and every HTTP/1.1 response asks its client to reconnect (`Connection: close`), while the
 * server keeps accepting and serving for `drainDelay` ms; then comes `shutdown`.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'stopping' && console.log('readiness failing'));
 * ```
 */
export interface StoppingEvent {
  readonly type: 'stopping';
  /** Connections open at the moment shutdown was signalled. */
  readonly open: number;
}

/**
 * The accept stop: accepts are stopped (new connects are refused) and every connection is
 * told to drain; `ctx.draining$` emits. Comes `drainDelay` after `stopping`.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'shutdown' && console.log(`draining ${e.open} connections`));
 * ```
 */
export interface ShutdownEvent {
  readonly type: 'shutdown';
  /** Connections open at the moment shutdown began. */
  readonly open: number;
}

/**
 * While draining (after `shutdown`), connections closed: how many are still open. One event
 * a turn of the event loop, however many closed in it (10,000 sockets destroyed together make
 * one event); the last, with none open, at once, just before `closed`.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'remaining' && console.log(`${e.open} open`, e.byProtocol));
 * // 2 open { http1: 1, websocket: 1 }
 * ```
 */
export interface RemainingEvent {
  readonly type: 'remaining';
  /** Connections still open. */
  readonly open: number;
  /** The same, by protocol (`http1`, `http2`, `websocket`...); protocols with none left out. */
  readonly byProtocol: Readonly<Record<string, number>>;
}

/**
 * The deadline passed (or a second shutdown$ emission came) with connections still open:
 * what each was busy with, just before they are destroyed. Comes before `closed`.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => {
 *   if (e.type === 'overdue') for (const c of e.connections) console.warn(c.protocol, c.requests);
 * });
 * // http1 [ { method: 'GET', url: '/export.csv', age: 10003 } ]
 * ```
 */
export interface OverdueEvent {
  readonly type: 'overdue';
  /** `deadline`: the deadline passed; `forced`: a second shutdown$ emission. */
  readonly reason: 'deadline' | 'forced';
  readonly connections: readonly ConnectionInfo[];
}

/**
 * The last event: every connection is closed; server$ completes right after.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'closed' && process.exit(e.graceful ? 0 : 1));
 * ```
 */
export interface ClosedEvent {
  readonly type: 'closed';
  /** False when the deadline or a second shutdown$ emission forced any connection. */
  readonly graceful: boolean;
  /** Connections that closed by themselves after shutdown began. */
  readonly drained: number;
  /** Connections destroyed at the deadline or on a forced close. */
  readonly forced: number;
}

/**
 * A failure that did not stop the server: a handler failed, a client sent garbage, an
 * accept failed. Carries what identifies the request or the connection.
 *
 * @example
 * ```ts
 * server$.subscribe((e) => e.type === 'error' && console.error(e.error.code, e.request?.url));
 * ```
 */
export interface ErrorEvent {
  readonly type: 'error';
  readonly error: RxServeError;
  /** The request being served, when there was one. */
  readonly request?: { readonly method: string; readonly url: string };
  /** The peer of the connection, as it was accepted, when there was one. */
  readonly remote?: Remote;
}

/**
 * Everything `serve()` tells its subscriber, discriminated by `type`, in this order:
 * `listening`, then on shutdown `stopping` → `shutdown` → `remaining`* → `overdue`? →
 * `closed`; `error` at any time.
 *
 * @example
 * ```ts
 * server$.subscribe((event) => {
 *   if (event.type === 'closed') console.log(event.graceful ? 'drained' : 'forced');
 * });
 * ```
 */
export type ServerEvent =
  | ListeningEvent
  | StoppingEvent
  | ShutdownEvent
  | RemainingEvent
  | OverdueEvent
  | ClosedEvent
  | ErrorEvent;

/**
 * The peer of a connection: its address and port, as they were when it was accepted.
 *
 * @example
 * ```ts
 * const remote: Remote = { address: '10.0.0.7', port: 51234 };
 * ```
 */
export interface Remote {
  readonly address: string | undefined;
  readonly port: number | undefined;
}
