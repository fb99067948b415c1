import { NEVER, type ObservableInput, type SchedulerLike, asyncScheduler } from 'rxjs';
import { InvalidOptionError } from './errors.js';
import { isObservableInput } from './reply.js';
import type { Handler } from './respond.js';

/**
 * Options of {@link serve}. Only `handler` is required.
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
  readonly handler: Handler;
  /** Its first emission starts the graceful shutdown, any later one forces it; default never. */
  readonly shutdown$?: ObservableInput<unknown>;
  /** Milliseconds from the start of shutdown until what is left is destroyed; default 10 000. */
  readonly deadline?: number;
  /** What times the deadline and `idleGrace`; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** The listen backlog; default as node's. */
  readonly backlog?: number;
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
  readonly handler: Handler;
  readonly shutdown$: ObservableInput<unknown>;
  readonly deadline: number;
  readonly scheduler: SchedulerLike;
  readonly backlog: number | undefined;
  readonly idleGrace: number;
}

const KNOWN_OPTIONS = new Set(['port', 'host', 'handler', 'shutdown$', 'deadline', 'scheduler', 'backlog', 'idleGrace']);

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
  const { port = 0, host, handler, shutdown$ = NEVER, deadline = 10_000, scheduler = asyncScheduler, backlog, idleGrace = 0 } =
    options;
  check('port', Number.isInteger(port) && port >= 0 && port <= 65535, 'an integer from 0 to 65535', port);
  check('host', host === undefined || (typeof host === 'string' && host.length > 0), 'a non-empty string', host);
  check('handler', typeof handler === 'function', 'a function `(req, ctx) => Reply`', handler);
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
  check('idleGrace', Number.isFinite(idleGrace) && idleGrace >= 0, 'a finite number >= 0 (milliseconds)', idleGrace);
  return { port, host, handler, shutdown$, deadline, scheduler, backlog, idleGrace };
}

function check(option: string, ok: boolean, expected: string, received: unknown): void {
  if (!ok) throw new InvalidOptionError(option, expected, received);
}
