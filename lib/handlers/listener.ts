import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorEvent } from '../events.js';
import { failRequest } from './failure.js';
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

/** The check of `serve()`'s `listener` option (which of `handler`, `listener` and `server` are given is `serve()`'s to check). */
export const listenerOption: OptionCheck<RequestListener | undefined> = (value, name) => {
  check(name, value === undefined || typeof value === 'function', 'a function `(req, res) => void`', value);
  return value as RequestListener | undefined;
};
