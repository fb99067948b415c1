import type { Handler } from '../../lib/index.js';
import { signal } from './harness.js';

/** A handler whose replies wait for the spec, and what it saw. */
export interface HeldReply {
  readonly handler: Handler;
  /** Resolves when the first request has reached the handler. */
  readonly arrived: Promise<void>;
  /** Resolves once `count` requests have reached the handler. */
  reached(count: number): Promise<void>;
  /** Lets every reply (held or to come) go out with `body` (the request's url after it, with `echoUrl`). */
  release(): void;
  /** The url of each request the handler was called for, in order. */
  readonly served: string[];
}

/** A handler that answers `{ body }` only once the spec calls `release()`. */
export function heldReply(body: string, options: { echoUrl?: boolean } = {}): HeldReply {
  const arrived = signal();
  const released = signal();
  const served: string[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  return {
    handler: (req) => {
      served.push(req.url ?? '');
      arrived.resolve();
      for (const wait of waiting.filter(({ count }) => count <= served.length)) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve();
      }
      return released.promise.then(() => ({ body: options.echoUrl ? `${body} ${req.url}` : body }));
    },
    arrived: arrived.promise,
    reached: (count) =>
      served.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve })),
    release: released.resolve,
    served,
  };
}
