import type { Handler } from '../../lib/index.js';
import { signal } from './server.js';

/** A handler whose replies wait for the spec, and what it saw. */
export interface HeldReply {
  readonly handler: Handler;
  /** Resolves when the first request has reached the handler. */
  readonly arrived: Promise<void>;
  /** Lets every reply (held or to come) go out with `body`. */
  release(): void;
  /** The url of each request the handler was called for, in order. */
  readonly served: string[];
}

/** A handler that answers `{ body }` only once the spec calls `release()`. */
export function heldReply(body: string): HeldReply {
  const arrived = signal();
  const released = signal();
  const served: string[] = [];
  return {
    handler: (req) => {
      served.push(req.url ?? '');
      arrived.resolve();
      return released.promise.then(() => ({ body }));
    },
    arrived: arrived.promise,
    release: released.resolve,
    served,
  };
}
