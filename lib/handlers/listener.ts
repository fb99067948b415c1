import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorEvent } from '../events.js';
import { failRequest } from './failure.js';
import { InvalidOptionError } from '../errors.js';
import { type OptionCheck, check } from '../option-checks.js';

/**
 * A Node-style request listener, `(req, res)`: an Express or Connect app, Koa's
 * `app.callback()`, or a plain function. Served with the `listener` option instead of a
 * `handler`, it gets the same lifecycle: on shutdown a request in flight finishes with
 * `Connection: close`, idle connections close at once.
 *
 * @example
 * ```ts
 * const app = express().get('/', (req, res) => res.send('hi'));
 * serve({ listener: app, shutdown$: fromSignals('SIGTERM') }).subscribe();
 * ```
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * What {@link callListener} needs from the server around it.
 */
export interface CallListenerOptions {
  readonly listener: RequestListener;
  readonly report: (event: ErrorEvent) => void;
}

/**
 * Hands one request to a Node-style listener. A synchronous throw, or a rejection of the
 * Promise it returns (Koa's callback does), is answered and reported as a handler's
 * failure would be: 500 before the head, a destroyed connection after.
 */
export function callListener(req: IncomingMessage, res: ServerResponse, options: CallListenerOptions): void {
  const fail = (error: unknown): void => failRequest(req, res, error, options.report);
  try {
    const result = options.listener(req, res);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, fail);
    }
  } catch (error) {
    fail(error);
  }
}

/** The check of `serve()`'s `listener` option: exactly one of `handler` and `listener`, checked after `handler`. */
export const listenerOption: OptionCheck<RequestListener | undefined> = (value, name, resolved) => {
  if (value !== undefined && resolved['handler'] !== undefined) {
    throw new InvalidOptionError(name, 'absent when `handler` is given (give one of the two)', value);
  }
  if (value === undefined && resolved['handler'] === undefined) {
    throw new InvalidOptionError('handler', 'a function `(req, ctx) => Reply` (or `listener`, a `(req, res)` function)', undefined);
  }
  check(name, value === undefined || typeof value === 'function', 'a function `(req, res) => void`', value);
  return value as RequestListener | undefined;
};
