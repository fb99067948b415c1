import type { ObservableInput } from 'rxjs';
import { HttpError, InvalidOptionError } from '../errors.js';
import type { Reply } from './reply.js';
import type { ServerRequest } from './reply.js';
import type { Handler, RequestContext } from './respond.js';

/**
 * What a route's handler gets: the request context plus the path's parameters.
 *
 * @example
 * ```ts
 * const user = (req: ServerRequest, ctx: RouteContext) => ({ body: `user ${ctx.params['id']}` });
 * ```
 */
export interface RouteContext extends RequestContext {
  /** `:name` segments of the pattern, decoded; a trailing `*` is under `'*'`. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * A route's handler. Any plain {@link Handler} is one too (it ignores `params`).
 *
 * @example
 * ```ts
 * const show: RouteHandler = (req, { params }) => ({ body: params['id'] });
 * ```
 */
export type RouteHandler = (req: ServerRequest, ctx: RouteContext) => Reply | ObservableInput<Reply>;

/**
 * A table of routes: `'METHOD /path'` to its handler. A path segment `:name` matches one
 * segment and names it; a last segment `*` matches the rest of the path.
 *
 * @example
 * ```ts
 * const routes: Routes = { 'GET /users/:id': show, 'GET /files/*': files };
 * ```
 */
export type Routes = Readonly<Record<string, RouteHandler>>;

/**
 * A handler that dispatches on method and path. It is a convenience, not a framework: a
 * linear match in the order the routes were written, no middleware, no body parsing.
 *
 * - A path no route matches goes to `fallback` (any handler: another router, static
 *   files...), or answers 404 without one.
 * - A path some route matches, but not with this method, answers 405 with `Allow`.
 * - `HEAD` is served by a `GET` route (node sends no body for it).
 * - A malformed escape in a parameter (`/users/%zz`) answers 400.
 *
 * Patterns are checked at the call: a key that is not `METHOD /path` throws an
 * `InvalidOptionError` naming it.
 *
 * @example
 * ```ts
 * serve({
 *   handler: router({
 *     'GET /users/:id': (req, { params }) => ({ body: `user ${params['id']}` }),
 *     'POST /users': (req) => readJson(req).pipe(map(() => ({ status: 201 }))),
 *   }, () => ({ status: 404, body: 'nothing here' })),
 * });
 * ```
 */
export function router(routes: Routes, fallback?: Handler): Handler {
  const compiled = Object.entries(routes).map(([pattern, handler]) => compile(pattern, handler));
  return (req, ctx) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const segments = (query === -1 ? url : url.slice(0, query)).split('/');
    const allowed = new Set<string>();
    for (const route of compiled) {
      const params = match(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === req.method || (route.method === 'GET' && req.method === 'HEAD')) {
        // A getter, not a copy: ctx.signal costs something only to handlers that read it.
        return route.handler(req, { draining$: ctx.draining$, get signal() { return ctx.signal; }, params });
      }
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
    }
    if (allowed.size > 0) return { status: 405, headers: { allow: [...allowed].sort().join(', ') } };
    return fallback ? fallback(req, ctx) : { status: 404, body: 'Not Found\n' };
  };
}

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

const PATTERN = /^([A-Z]+) (\/\S*)$/;

function compile(pattern: string, handler: RouteHandler): Route {
  const parts = PATTERN.exec(pattern);
  if (!parts) throw new InvalidOptionError(`routes['${pattern}']`, 'a key of the form `METHOD /path`, such as `GET /users/:id`', pattern);
  if (typeof handler !== 'function') throw new InvalidOptionError(`routes['${pattern}']`, 'a handler function', handler);
  const segments = parts[2]!.split('/');
  if (segments.slice(0, -1).includes('*')) {
    throw new InvalidOptionError(`routes['${pattern}']`, 'a pattern with `*` only as its last segment', pattern);
  }
  return { method: parts[1]!, segments, handler };
}

function match(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  const rest = pattern[pattern.length - 1] === '*';
  if (rest ? path.length < pattern.length - 1 : path.length !== pattern.length) return undefined;
  let params: Record<string, string> | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    if (rest && i === pattern.length - 1) {
      (params ??= {})['*'] = decode(path.slice(i).join('/'));
    } else if (expected.startsWith(':')) {
      if (path[i] === '') return undefined;
      (params ??= {})[expected.slice(1)] = decode(path[i]!);
    } else if (expected !== path[i]) {
      return undefined;
    }
  }
  return params ?? {};
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `Malformed escape in the path: ${segment}`);
  }
}
