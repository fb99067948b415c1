import type { SecureContextOptions } from 'node:tls';
import { NEVER, type ObservableInput, type SchedulerLike, asyncScheduler } from 'rxjs';
import { InvalidOptionError } from './errors.js';
import type { HealthConfig, HealthOptions } from './handlers/health.js';
import { isObservableInput } from './handlers/reply.js';
import type { RequestListener } from './handlers/listener.js';
import type { Handler } from './handlers/respond.js';
import type { WebSocketRoutes } from './websocket/upgrade.js';
import type { BufferFullPolicy, WebSocketHandler } from './websocket/connection.js';

/**
 * Options of {@link serve}. Exactly one of `handler` and `listener` is required.
 *
 * @example
 * ```ts
 * const options: ServeOptions = {
 *   port: 3000,
 *   handler: () => ({ body: 'Hello World!' }),
 *   shutdown$: fromSignals('SIGINT', 'SIGTERM'),
 * };
 * ```
 */
export interface ServeOptions {
  /** TCP port; default 0 (any free port, see the `listening` event). */
  readonly port?: number;
  /** Address to bind; default as node's `net.Server.listen` (every address). */
  readonly host?: string;
  /** Answers each request. */
  readonly handler?: Handler;
  /**
   * A Node-style `(req, res)` listener (an Express or Connect app...) that answers each
   * request instead of `handler`, with the same graceful lifecycle.
   */
  readonly listener?: RequestListener;
  /** Its first emission starts the graceful shutdown, any later one forces it; default never. */
  readonly shutdown$?: ObservableInput<unknown>;
  /** Milliseconds from the start of shutdown until what is left is destroyed; default 10 000. */
  readonly deadline?: number;
  /**
   * Milliseconds from the first `shutdown$` emission until accepts stop, serving as usual
   * meanwhile with readiness failing, so load balancers stop sending first (what a
   * Kubernetes preStop sleep is for); default 0. Part of `deadline`, so at most it.
   */
  readonly drainDelay?: number;
  /** Health endpoints answered before the handler: `true` for `/readyz` and `/livez`; default none. */
  readonly health?: true | HealthOptions;
  /** What times the deadline, `idleGrace` and `handshakeTimeout`; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
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
   * preface; then it is closed and reported as an `error` event. Default 60 000, as node's
   * `headersTimeout` gives a silent HTTP/1.1 connection.
   */
  readonly handshakeTimeout?: number;
  /**
   * Serves WebSocket upgrades: one handler `(messages$, ctx) => output`, or one per path
   * (`{ '/chat': chat, '/echo': echo }`, any other path: 404). Without it an upgrade
   * request is answered as a plain request.
   */
  readonly websocket?: WebSocketHandler | WebSocketRoutes;
  /** The close code every WebSocket gets on graceful shutdown; default 1001 (Going Away). */
  readonly websocketShutdownCode?: number;
  /** The close reason sent with it; default `'server going away'`; at most 123 bytes. */
  readonly websocketShutdownReason?: string;
  /** Largest WebSocket message accepted, in bytes (a larger one closes with 1009); default 1 MiB. */
  readonly websocketMaxPayload?: number;
  /** Milliseconds between pings; a peer that misses a pong is terminated; default 0 (off). */
  readonly websocketHeartbeat?: number;
  /** Bytes a WebSocket may hold unsent (`ws.bufferedAmount`) before `websocketOnBufferFull`; default 1 MiB. */
  readonly websocketMaxBufferedAmount?: number;
  /** What a send beyond `websocketMaxBufferedAmount` does: `'close'` with 1008 (default) or `'drop'` the message. */
  readonly websocketOnBufferFull?: BufferFullPolicy;
  /** Ms a client has to send a request's headers, from its first byte; default 60 000. */
  readonly headersTimeout?: number;
  /** Ms a client has to send a whole request, headers and body; default 300 000. */
  readonly requestTimeout?: number;
  /**
   * Ms an idle keep-alive connection is kept; default 65 000, on every node line: longer
   * than the idle timeout of the proxies and load balancers in front (nginx's and AWS ALB's
   * 60 s), so they close an idle connection first and no request of theirs races our close.
   */
  readonly keepAliveTimeout?: number;
  /** Ms between two checks of `headersTimeout` and `requestTimeout`; default 30 000. */
  readonly connectionsCheckingInterval?: number;
  /** The most bytes of request headers; more answers 431. Default node's (16 KiB). */
  readonly maxHeaderSize?: number;
  /**
   * Milliseconds an idle keep-alive connection stays open once shutdown begins, answering a
   * request that arrives meanwhile with `Connection: close`; default 0 (closed at once).
   *
   * It closes the keep-alive race for requests written around the moment of shutdown, at
   * the cost of a drain that lasts up to `idleGrace` longer. A client idle through the
   * whole grace that writes just as it ends can still lose its request: only a client
   * retry closes that last window.
   */
  readonly idleGrace?: number;
}

/**
 * The limits of node's HTTP/1.1 server that {@link ServeOptions} passes on; `undefined`
 * leaves node's default.
 *
 * @example
 * ```ts
 * const limits: Http1Limits = { headersTimeout: 10_000, requestTimeout: 30_000 };
 * ```
 */
export interface Http1Limits {
  readonly headersTimeout?: number | undefined;
  readonly requestTimeout?: number | undefined;
  readonly keepAliveTimeout?: number | undefined;
  readonly connectionsCheckingInterval?: number | undefined;
  readonly maxHeaderSize?: number | undefined;
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

const PROTOCOLS: readonly unknown[] = ['http1', 'http2', 'auto'] satisfies ServeProtocol[];

/**
 * {@link ServeOptions} checked and with every default filled in.
 */
export interface ServeConfig {
  readonly port: number;
  readonly host: string | undefined;
  /** Set when `listener` is not. */
  readonly handler: Handler | undefined;
  /** Set when `handler` is not. */
  readonly listener: RequestListener | undefined;
  readonly http1: Http1Limits;
  readonly shutdown$: ObservableInput<unknown>;
  readonly deadline: number;
  readonly drainDelay: number;
  readonly health: HealthConfig | undefined;
  readonly scheduler: SchedulerLike;
  readonly backlog: number | undefined;
  readonly protocol: ServeProtocol;
  readonly tls: SecureContextOptions | undefined;
  readonly handshakeTimeout: number;
  readonly websocket: WebSocketHandler | WebSocketRoutes | undefined;
  readonly websocketShutdownCode: number;
  readonly websocketShutdownReason: string;
  readonly websocketMaxPayload: number;
  readonly websocketHeartbeat: number;
  readonly websocketMaxBufferedAmount: number;
  readonly websocketOnBufferFull: BufferFullPolicy;
  readonly idleGrace: number;
}

const KNOWN_OPTIONS = new Set([
  'port',
  'host',
  'handler',
  'shutdown$',
  'deadline',
  'scheduler',
  'backlog',
  'drainDelay',
  'health',
  'websocket',
  'websocketShutdownCode',
  'websocketShutdownReason',
  'websocketMaxPayload',
  'websocketHeartbeat',
  'websocketMaxBufferedAmount',
  'websocketOnBufferFull',
  'listener',
  'headersTimeout',
  'requestTimeout',
  'keepAliveTimeout',
  'connectionsCheckingInterval',
  'maxHeaderSize',
  'protocol',
  'tls',
  'handshakeTimeout',
  'idleGrace',
]);
const KNOWN_HEALTH_OPTIONS = new Set(['readiness', 'liveness', 'retryAfter']);

/**
 * Checks `options` and fills in the defaults; throws an {@link InvalidOptionError} naming
 * the first option that is wrong, what was expected and what came.
 */
export function resolveServeOptions(options: ServeOptions): ServeConfig {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'an object', options);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw InvalidOptionError.unknown(name, KNOWN_OPTIONS);
    }
  }
  const {
    port = 0,
    host,
    handler,
    listener,
    shutdown$ = NEVER,
    deadline = 10_000,
    scheduler = asyncScheduler,
    backlog,
    drainDelay = 0,
    health,
    idleGrace = 0,
  } = options;
  const { protocol = 'http1', tls, handshakeTimeout = 60_000 } = options;
  check('port', Number.isInteger(port) && port >= 0 && port <= 65535, 'an integer from 0 to 65535', port);
  check('host', host === undefined || (typeof host === 'string' && host.length > 0), 'a non-empty string', host);
  if (handler !== undefined && listener !== undefined) {
    throw new InvalidOptionError('listener', 'absent when `handler` is given (give one of the two)', listener);
  }
  if (handler === undefined && listener === undefined) {
    throw new InvalidOptionError('handler', 'a function `(req, ctx) => Reply` (or `listener`, a `(req, res)` function)', handler);
  }
  if (listener === undefined) {
    check('handler', typeof handler === 'function', 'a function `(req, ctx) => Reply`', handler);
  } else {
    check('listener', typeof listener === 'function', 'a function `(req, res) => void`', listener);
  }
  check('shutdown$', isObservableInput(shutdown$), 'an Observable, a Promise or another ObservableInput', shutdown$);
  check('deadline', Number.isFinite(deadline) && deadline >= 0, 'a finite number >= 0', deadline);
  check(
    'scheduler',
    typeof scheduler?.schedule === 'function' && typeof scheduler?.now === 'function',
    'an RxJS SchedulerLike',
    scheduler,
  );
  check(
    'backlog',
    backlog === undefined || (Number.isInteger(backlog) && backlog > 0),
    'a positive integer',
    backlog,
  );
  check(
    'drainDelay',
    typeof drainDelay === 'number' && Number.isFinite(drainDelay) && drainDelay >= 0 && drainDelay <= deadline,
    `a finite number from 0 to \`deadline\` (${deadline}), which counts from the same signal`,
    drainDelay,
  );
  check('protocol', PROTOCOLS.includes(protocol), "one of `'http1'`, `'http2'`, `'auto'`", protocol);
  check(
    'tls',
    tls === undefined || (typeof tls === 'object' && tls !== null && (hasValue(tls, 'key', 'cert') || hasValue(tls, 'pfx'))),
    'an object with `key` and `cert` (or `pfx`), as tls.createSecureContext() takes',
    tls,
  );
  check('idleGrace', Number.isFinite(idleGrace) && idleGrace >= 0, 'a finite number >= 0 (milliseconds)', idleGrace);
  check(
    'handshakeTimeout',
    typeof handshakeTimeout === 'number' && Number.isFinite(handshakeTimeout) && handshakeTimeout > 0,
    'a finite number > 0 (milliseconds)',
    handshakeTimeout,
  );
  return {
    port,
    host,
    handler,
    listener,
    http1: resolveHttp1Limits(options),
    shutdown$,
    deadline,
    drainDelay,
    health: resolveHealth(health, deadline),
    scheduler,
    backlog,
    protocol,
    tls,
    handshakeTimeout,
    idleGrace,
    ...resolveWebSocketOptions(options),
  };
}

function resolveHealth(health: true | HealthOptions | undefined, deadline: number): HealthConfig | undefined {
  if (health === undefined) return undefined;
  check('health', health === true || (typeof health === 'object' && health !== null), '`true` or an object', health);
  const options = health === true ? {} : health;
  for (const name of Object.keys(options)) {
    if (!KNOWN_HEALTH_OPTIONS.has(name)) throw InvalidOptionError.unknown(`health.${name}`, KNOWN_HEALTH_OPTIONS);
  }
  const { readiness = '/readyz', liveness = '/livez', retryAfter = Math.max(1, Math.ceil(deadline / 1000)) } = options;
  for (const [name, path] of [
    ['readiness', readiness],
    ['liveness', liveness],
  ] as const) {
    check(`health.${name}`, typeof path === 'string' && path.startsWith('/'), 'a path starting with `/`', path);
  }
  check('health', readiness !== liveness, 'different paths for `readiness` and `liveness`', readiness);
  check('health.retryAfter', Number.isInteger(retryAfter) && retryAfter >= 0, 'an integer number of seconds >= 0', retryAfter);
  return { readiness, liveness, retryAfter };
}

const MiB = 1024 * 1024;

function resolveWebSocketOptions(options: ServeOptions) {
  const {
    websocket,
    websocketShutdownCode = 1001,
    websocketShutdownReason = 'server going away',
    websocketMaxPayload = MiB,
    websocketHeartbeat = 0,
    websocketMaxBufferedAmount = MiB,
    websocketOnBufferFull = 'close',
  } = options;
  check(
    'websocket',
    websocket === undefined || typeof websocket === 'function' || isRoutes(websocket),
    "a function `(messages$, ctx) => output` or an object of them by path (`{ '/chat': handler }`)",
    websocket,
  );
  check(
    'websocketShutdownCode',
    isSendableCloseCode(websocketShutdownCode),
    'a close code from 1000 to 1014 (not 1004 to 1006) or from 3000 to 4999',
    websocketShutdownCode,
  );
  check(
    'websocketShutdownReason',
    typeof websocketShutdownReason === 'string' && Buffer.byteLength(websocketShutdownReason) <= 123,
    'a string of at most 123 bytes in UTF-8',
    websocketShutdownReason,
  );
  check('websocketMaxPayload', isPositiveInteger(websocketMaxPayload), 'a positive integer (bytes)', websocketMaxPayload);
  check(
    'websocketHeartbeat',
    Number.isFinite(websocketHeartbeat) && websocketHeartbeat >= 0,
    'a finite number >= 0 (milliseconds; 0 is off)',
    websocketHeartbeat,
  );
  check(
    'websocketMaxBufferedAmount',
    Number.isInteger(websocketMaxBufferedAmount) && websocketMaxBufferedAmount >= 0,
    'an integer >= 0 (bytes)',
    websocketMaxBufferedAmount,
  );
  check(
    'websocketOnBufferFull',
    websocketOnBufferFull === 'close' || websocketOnBufferFull === 'drop',
    "`'close'` or `'drop'`",
    websocketOnBufferFull,
  );
  return {
    websocket,
    websocketShutdownCode,
    websocketShutdownReason,
    websocketMaxPayload,
    websocketHeartbeat,
    websocketMaxBufferedAmount,
    websocketOnBufferFull,
  };
}

function isRoutes(value: unknown): value is WebSocketRoutes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([path, handler]) => path.startsWith('/') && typeof handler === 'function');
}

// As RFC 6455 section 7.4 and ws allow an endpoint to send.
function isSendableCloseCode(code: unknown): boolean {
  if (!Number.isInteger(code)) return false;
  const n = code as number;
  return (n >= 1000 && n <= 1014 && (n < 1004 || n > 1006)) || (n >= 3000 && n <= 4999);
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0;
}

function resolveHttp1Limits(options: ServeOptions): Http1Limits {
  // rxserve's own defaults, given to node on every line rather than left to each line's own.
  const {
    headersTimeout = 60_000,
    requestTimeout = 300_000,
    keepAliveTimeout = 65_000,
    connectionsCheckingInterval = 30_000,
    maxHeaderSize,
  } = options;
  const timeouts = { headersTimeout, requestTimeout, keepAliveTimeout, connectionsCheckingInterval };
  for (const [name, value] of Object.entries(timeouts)) {
    check(name, value === undefined || (Number.isInteger(value) && value >= 0), 'an integer >= 0 (ms)', value);
  }
  check(
    'maxHeaderSize',
    maxHeaderSize === undefined || (Number.isInteger(maxHeaderSize) && maxHeaderSize > 0),
    'a positive integer (bytes)',
    maxHeaderSize,
  );
  // node throws at createServer otherwise, which would be later than this call.
  check(
    'headersTimeout',
    !headersTimeout || !requestTimeout || headersTimeout <= requestTimeout,
    `at most \`requestTimeout\` (${requestTimeout})`,
    headersTimeout,
  );
  return { ...timeouts, maxHeaderSize };
}

function hasValue(object: object, ...names: string[]): boolean {
  return names.every((name) => (object as Record<string, unknown>)[name] != null);
}

function check(option: string, ok: boolean, expected: string, received: unknown): void {
  if (!ok) throw new InvalidOptionError(option, expected, received);
}
