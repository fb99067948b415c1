import type { SecureContextOptions } from 'node:tls';
import type { ObservableInput, SchedulerLike } from 'rxjs';
import { LISTEN_OPTIONS } from './accept/listen.js';
import { type HealthOptions, healthOption } from './handlers/health.js';
import { type RequestListener, listenerOption } from './handlers/listener.js';
import { type Handler, handlerOption } from './handlers/respond.js';
import { type AdoptableServer, serverOption, websocketServersOption } from './accept/adopt.js';
import { InvalidOptionError } from './errors.js';
import { type OptionCheck, type Resolved, oneOf, resolveOptions } from './option-checks.js';
import { handshakeTimeoutOption } from './protocols/handoff.js';
import { type Http1Limits, http1Option, idleGraceOption } from './protocols/http1.js';
import { tlsOption } from './protocols/tls.js';
import { LIFECYCLE_OPTIONS } from './shutdown/lifecycle.js';
import type { WebSocketHandler } from './websocket/connection.js';
import { type WebSocketOptions, websocketOption } from './websocket/options.js';
import type { WebSocketServer } from 'ws';
import type { WebSocketRoutes } from './websocket/upgrade.js';

/**
 * Options of {@link serve}. Exactly one of `handler` and `listener` is required. A feature
 * is one key: `true` or its handler for the defaults, or an object of its settings
 * (`health`, `websocket`, `http1`, `tls`).
 *
 * @example
 * ```ts
 * const options: ServeOptions = {
 *   port: 3000,
 *   handler: () => ({ body: 'Hello World!' }),
 *   health: true,
 *   websocket: { handler: (messages$) => messages$, shutdownCode: 1012 },
 *   shutdown$: shutdownSignals(),
 *   drainDelay: 5_000,
 * };
 * ```
 */
export interface ServeOptions {
  /** TCP port; default 0 (any free port, see the `listening` event). */
  readonly port?: number;
  /** Address to bind; default as node's `net.Server.listen` (every address). */
  readonly host?: string;
  /**
   * Listen on this Unix domain socket instead of a TCP port (`/run/app/http.sock`). A
   * socket file a dead server left is removed first; a live server's socket or any other
   * file is a `ListenError`; the file is removed when the server closes. See
   * docs/deployment.md.
   */
  readonly path?: string;
  /** The permissions of `path`'s socket file (`0o660`: owner and group may connect); default as the umask leaves them. */
  readonly pathMode?: number;
  /**
   * Listen on a socket this process inherited, by its descriptor: systemd's socket
   * activation ({@link systemdSocket}), or a supervisor that hands its listening socket on.
   */
  readonly fd?: number;
  /** Answers each request. */
  readonly handler?: Handler;
  /**
   * A Node-style `(req, res)` listener (an Express or Connect app...) that answers each
   * request instead of `handler`, with the same graceful lifecycle.
   */
  readonly listener?: RequestListener;
  /** The listen backlog; default as node's. */
  readonly backlog?: number;
  /**
   * `'http1'` (default), `'http2'` (cleartext with prior knowledge, or h2 under `tls`), or
   * `'auto'`: per connection, ALPN under `tls`, the HTTP/2 connection preface without.
   */
  readonly protocol?: ServeProtocol;
  /** Serve over TLS with this key and certificate (`https://`, h2 by ALPN); default none. */
  readonly tls?: SecureContextOptions;
  /**
   * Milliseconds a new connection has to finish its TLS handshake (under `tls`), to show
   * which HTTP it speaks (`protocol: 'auto'`) and, for HTTP/2, to send its connection
   * preface; then it is closed and reported as an `error` event. Default 60 000, as
   * `http1.headersTimeout` gives a silent HTTP/1.1 connection.
   */
  readonly handshakeTimeout?: number;
  /** The limits of node's HTTP/1.1 parser and timers (`headersTimeout`, `keepAliveTimeout`...); see {@link Http1Limits}. */
  readonly http1?: Http1Limits;
  /**
   * Serves WebSocket upgrades: one handler `(messages$, ctx) => output`, one per path
   * (`{ '/chat': chat, '/echo': echo }`, any other path: 404), or {@link WebSocketOptions}
   * (`{ handler, shutdownCode, heartbeat... }`). Without it an upgrade request is answered
   * as a plain request.
   */
  readonly websocket?: WebSocketHandler | WebSocketRoutes | WebSocketOptions;
  /** Its first emission is the signal (the `stopping` event), any later one forces the close; default never. */
  readonly shutdown$?: ObservableInput<unknown>;
  /** Milliseconds from the signal until what is left is destroyed; default 10 000. */
  readonly deadline?: number;
  /**
   * Milliseconds from the signal until the accept stop, serving as usual meanwhile with
   * readiness failing and each HTTP/1.1 connection asked to reconnect, so load balancers
   * stop sending first (what a Kubernetes preStop sleep is for); default 0. Part of
   * `deadline`, so at most it.
   */
  readonly drainDelay?: number;
  /**
   * Milliseconds an idle keep-alive connection stays open once draining begins, answering a
   * request that arrives meanwhile with `Connection: close`; default 0 (closed at once, but
   * for a connection whose client was never told to close — nothing sent yet, or accepted in
   * drainDelay's second half — which is kept until 500 ms after its accept or last response).
   *
   * It closes the keep-alive race for requests written around the moment of shutdown, at
   * the cost of a drain that lasts up to `idleGrace` longer. A client idle through the
   * whole grace that writes just as it ends can still lose its request: only a client
   * retry closes that last window.
   */
  readonly idleGrace?: number;
  /** What times the deadline, `drainDelay`, `idleGrace` and `handshakeTimeout`; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Health endpoints answered before the handler: `true` for `/readyz` and `/livez`; default none. */
  readonly health?: true | HealthOptions;
  /**
   * A server the app already has (Fastify's `app.server`, NestJS's `app.getHttpServer()`,
   * the server Socket.IO or Apollo attach to): a node `http.Server`, `https.Server`,
   * `http2.Http2Server` or `Http2SecureServer`, whose own listeners answer its requests
   * and upgrades, given rxserve's whole shutdown. With `port`, rxserve listens and hands it
   * each accepted socket (it must not listen by itself); without, rxserve adopts its own
   * accept loop (`listening` at once if it listens, else when it does) and the accept stop
   * stops it accepting. Excludes `handler`, `listener`, `protocol`, `tls`, `websocket` and
   * `http1` (the server's own settings apply).
   */
  readonly server?: AdoptableServer;
  /**
   * `ws` `WebSocketServer`s whose clients get the close frame (1001 Going Away) at the
   * accept stop, and count as drained once the closing handshake completes; each must keep its clients (ws's `clientTracking`, the
   * default). Any other upgraded socket is counted, and destroyed at the deadline if still
   * open. With `server` only.
   */
  readonly websocketServers?: readonly WebSocketServer[];
}

/**
 * The protocols `serve()` speaks.
 *
 * @example
 * ```ts
 * const protocol: ServeProtocol = 'auto';
 * ```
 */
export type ServeProtocol = 'http1' | 'http2' | 'auto';

// The one list of serve()'s options: it checks them, in this order (a check may read those
// before it), fills in their defaults, and names the known ones for a typo.
const SERVE_OPTIONS = {
  port: LISTEN_OPTIONS.port,
  host: LISTEN_OPTIONS.host,
  path: LISTEN_OPTIONS.path,
  pathMode: LISTEN_OPTIONS.pathMode,
  fd: LISTEN_OPTIONS.fd,
  handler: handlerOption,
  listener: listenerOption,
  backlog: LISTEN_OPTIONS.backlog,
  protocol: oneOf<ServeProtocol>('http1', 'http2', 'auto'),
  tls: tlsOption,
  handshakeTimeout: handshakeTimeoutOption,
  http1: http1Option,
  websocket: websocketOption,
  shutdown$: LIFECYCLE_OPTIONS.shutdown$,
  deadline: LIFECYCLE_OPTIONS.deadline,
  drainDelay: LIFECYCLE_OPTIONS.drainDelay,
  idleGrace: idleGraceOption,
  scheduler: LIFECYCLE_OPTIONS.scheduler,
  health: healthOption,
  server: serverOption,
  websocketServers: websocketServersOption,
} satisfies { [K in keyof Required<ServeOptions>]: OptionCheck<unknown> };

/** {@link ServeOptions} checked, with every default filled in. */
export type ServeConfig = Resolved<typeof SERVE_OPTIONS>;

/**
 * Checks `options` and fills in the defaults; throws an `InvalidOptionError` naming the
 * first option that is wrong, what was expected and what came.
 */
export function resolveServeOptions(options: ServeOptions): ServeConfig {
  const config = resolveOptions(SERVE_OPTIONS, options);
  // What answers requests: exactly one of handler, listener and server.
  if (config.server) {
    for (const name of ['handler', 'listener', 'protocol', 'tls', 'websocket', 'http1'] as const) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(name, `absent when \`server\` is given (the server's own ${name === 'http1' ? 'settings apply' : 'listeners answer'})`, options[name]);
      }
    }
    const where = (['port', 'path', 'fd'] as const).find((name) => options[name] !== undefined);
    if (where && config.server.listening) {
      throw new InvalidOptionError(where, `absent when \`server\` listens already (without \`${where}\`, rxserve adopts its own accept loop)`, options[where]);
    }
  } else {
    if (config.handler && config.listener) throw new InvalidOptionError('listener', 'absent when `handler` is given (give one of the two)', config.listener);
    if (!config.handler && !config.listener) {
      throw new InvalidOptionError('handler', 'a function `(req, ctx) => Reply` (or `listener`, a `(req, res)` function, or `server`, a node server)', undefined);
    }
    if (config.websocketServers.length > 0) throw new InvalidOptionError('websocketServers', 'given with `server` only (`websocket` serves rxserve\'s own)', options.websocketServers);
  }
  return config;
}
