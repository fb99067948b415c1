import type { IncomingMessage, ServerResponse } from 'node:http';
import { type OptionCheck, check, resolveOptions } from '../option-checks.js';

/**
 * Where and how the health endpoints answer; see the `health` option of `serve()`.
 *
 * @example
 * ```ts
 * serve({ handler, health: { readiness: '/ready', liveness: '/alive', retryAfter: 10 } });
 * ```
 */
export interface HealthOptions {
  /** Path of the readiness endpoint; default `/readyz`. */
  readonly readiness?: string;
  /** Path of the liveness endpoint; default `/livez`. */
  readonly liveness?: string;
  /** Seconds sent as `Retry-After` with a failing readiness; default: the deadline, rounded up. */
  readonly retryAfter?: number;
}

/** {@link HealthOptions} with every default filled in. */
export type HealthConfig = Required<HealthOptions>;

const HEALTH_OPTIONS = {
  readiness: path('/readyz'),
  liveness: path('/livez'),
  retryAfter: (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    check(name, Number.isInteger(value) && (value as number) >= 0, 'an integer number of seconds >= 0', value);
    return value as number;
  },
} satisfies { [K in keyof Required<HealthOptions>]: OptionCheck<unknown> };

/**
 * The check of `serve()`'s `health` option; `Retry-After` defaults to the deadline, in
 * seconds rounded up (so checked after `deadline`).
 */
export const healthOption: OptionCheck<HealthConfig | undefined> = (value, name, resolved) => {
  if (value === undefined) return undefined;
  check(name, value === true || (typeof value === 'object' && value !== null), '`true` or an object', value);
  const { readiness, liveness, retryAfter } = resolveOptions(HEALTH_OPTIONS, value === true ? {} : value, name);
  check(name, readiness !== liveness, 'different paths for `readiness` and `liveness`', readiness);
  const deadline = resolved['deadline'] as number;
  return { readiness, liveness, retryAfter: retryAfter ?? Math.max(1, Math.ceil(deadline / 1000)) };
};

function path(fallback: string): OptionCheck<string> {
  return (value, name) => {
    if (value === undefined) return fallback;
    check(name, typeof value === 'string' && value.startsWith('/'), 'a path starting with `/`', value);
    return value as string;
  };
}

/**
 * Answers the health endpoints, before the handler sees the request:
 *
 * - readiness: 200 while `isReady()`, then 503 with `Retry-After` (from the moment shutdown
 *   is signalled, so load balancers stop sending while the server still serves);
 * - liveness: 200 for as long as the server answers at all, draining included (a failing
 *   liveness probe gets a process restarted, which a drain must not cause).
 *
 * @returns a function that answers and returns true when `req` is for a health endpoint.
 */
export function healthCheck(config: HealthConfig, isReady: () => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path === config.readiness) {
      if (isReady()) answer(res, 200, 'ready\n');
      else answer(res, 503, 'draining\n', { 'retry-after': String(config.retryAfter) });
      return true;
    }
    if (path === config.liveness) {
      answer(res, 200, 'live\n');
      return true;
    }
    return false;
  };
}

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}
