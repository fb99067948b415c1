import { NEVER, type ObservableInput, type SchedulerLike, asyncScheduler } from 'rxjs';
import { InvalidOptionError } from './errors.js';
import type { HealthConfig, HealthOptions } from './health.js';
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
  /**
   * Milliseconds from the first `shutdown$` emission until accepts stop, serving as usual
   * meanwhile with readiness failing, so load balancers stop sending first (what a
   * Kubernetes preStop sleep is for); default 0. Part of `deadline`, so at most it.
   */
  readonly drainDelay?: number;
  /** Health endpoints answered before the handler: `true` for `/readyz` and `/livez`; default none. */
  readonly health?: true | HealthOptions;
  /** What times the deadline; a `TestScheduler` in marble tests; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** The listen backlog; default as node's. */
  readonly backlog?: number;
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
  readonly drainDelay: number;
  readonly health: HealthConfig | undefined;
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
  'drainDelay',
  'health',
]);
const KNOWN_HEALTH_OPTIONS = new Set(['readiness', 'liveness', 'retryAfter']);

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
  const {
    port = 0,
    host,
    handler,
    shutdown$ = NEVER,
    deadline = 10_000,
    scheduler = asyncScheduler,
    backlog,
    drainDelay = 0,
    health,
  } = options;
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
  check(
    'drainDelay',
    typeof drainDelay === 'number' && Number.isFinite(drainDelay) && drainDelay >= 0 && drainDelay <= deadline,
    `a finite number from 0 to \`deadline\` (${deadline}), which counts from the same signal`,
    drainDelay,
  );
  return { port, host, handler, shutdown$, deadline, drainDelay, health: resolveHealth(health, deadline), scheduler, backlog };
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

function check(option: string, ok: boolean, expected: string, received: unknown): void {
  if (!ok) throw new InvalidOptionError(option, expected, received);
}
