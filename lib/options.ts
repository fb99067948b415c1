import { NEVER, type ObservableInput, type SchedulerLike, asyncScheduler } from 'rxjs';
import { InvalidOptionError } from './errors.js';
import { isObservableInput } from './reply.js';
import type { RequestListener } from './listener.js';
import type { Handler } from './respond.js';

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
  /** What times the deadline; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** The listen backlog; default as node's. */
  readonly backlog?: number;
  /** Ms a client has to send a request's headers, from its first byte; default node's 60 000. */
  readonly headersTimeout?: number;
  /** Ms a client has to send a whole request, headers and body; default node's 300 000. */
  readonly requestTimeout?: number;
  /** Ms an idle keep-alive connection is kept; default node's 5 000. */
  readonly keepAliveTimeout?: number;
  /** Ms between two checks of `headersTimeout` and `requestTimeout`; default node's 30 000. */
  readonly connectionsCheckingInterval?: number;
  /** The most bytes of request headers; more answers 431. Default node's (16 KiB). */
  readonly maxHeaderSize?: number;
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
 * {@link ServeOptions} checked and with every default filled in.
 *
 * @example
 * ```ts
 * const config: ServeConfig = resolveServeOptions({ handler });
 * ```
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
  readonly scheduler: SchedulerLike;
  readonly backlog: number | undefined;
}

const KNOWN_OPTIONS = new Set([
  'port',
  'host',
  'handler',
  'shutdown$',
  'deadline',
  'scheduler',
  'backlog',
  'listener',
  'headersTimeout',
  'requestTimeout',
  'keepAliveTimeout',
  'connectionsCheckingInterval',
  'maxHeaderSize',
]);

/**
 * Checks `options` and fills in the defaults; throws an {@link InvalidOptionError} naming
 * the first option that is wrong, what was expected and what came.
 *
 * @example
 * ```ts
 * resolveServeOptions({ handler, deadline: -1 }); // throws: Expected `deadline` to be ...
 * ```
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
  const { port = 0, host, handler, listener, shutdown$ = NEVER, deadline = 10_000, scheduler = asyncScheduler, backlog } = options;
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
  const http1 = resolveHttp1Limits(options);
  return { port, host, handler, listener, http1, shutdown$, deadline, scheduler, backlog };
}

function resolveHttp1Limits(options: ServeOptions): Http1Limits {
  const { headersTimeout, requestTimeout, keepAliveTimeout, connectionsCheckingInterval, maxHeaderSize } = options;
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
  const effectiveRequestTimeout = requestTimeout ?? 300_000;
  check(
    'headersTimeout',
    !headersTimeout || !effectiveRequestTimeout || headersTimeout <= effectiveRequestTimeout,
    `at most \`requestTimeout\` (${effectiveRequestTimeout})`,
    headersTimeout,
  );
  return { ...timeouts, maxHeaderSize };
}

function check(option: string, ok: boolean, expected: string, received: unknown): void {
  if (!ok) throw new InvalidOptionError(option, expected, received);
}
