import sinon from 'sinon';
import { type Observable, Subject, merge } from 'rxjs';
import type { GracefulConnection } from '../../lib/index.js';

/** A connection for marble tests: closes when `closes$` says, or when destroyed. */
export interface FakeConnection extends GracefulConnection {
  readonly gracefulShutdown: sinon.SinonSpy<[], void>;
  readonly destroy: sinon.SinonSpy<[], void>;
}

export function fakeConnection(closes$: Observable<unknown>): FakeConnection {
  const destroyed = new Subject<void>();
  return {
    closed$: merge(closes$, destroyed),
    gracefulShutdown: sinon.spy((): void => undefined),
    destroy: sinon.spy((): void => destroyed.next()),
  };
}
