import {
  AsyncSubject,
  NEVER,
  Observable,
  type ObservableInput,
  type SchedulerLike,
  type Subscription,
  asyncScheduler,
  from,
  take,
} from 'rxjs';
import type { ConnectionInfo, GracefulConnection } from '../shutdown/connection.js';

/**
 * One call a {@link FakeConnection} received, stamped with its scheduler's clock (the
 * frame, inside `TestScheduler.run`).
 *
 * @example
 * ```ts
 * expect(conn.calls).to.deep.equal([{ method: 'gracefulShutdown', at: 3 }]);
 * ```
 */
export interface FakeConnectionCall {
  readonly method: 'gracefulShutdown' | 'destroy';
  readonly at: number;
}

/**
 * Where a {@link FakeConnection} is in its life: `draining` once told to shut down,
 * `closed` once its `closed$` has emitted.
 *
 * @example
 * ```ts
 * if (conn.state === 'closed') console.log('gone');
 * ```
 */
export type FakeConnectionState = 'open' | 'draining' | 'closed';

/**
 * How a {@link FakeConnection} behaves. Without options it is a connection that never
 * finishes by itself: it closes only on `close()` or `destroy()`.
 *
 * @example
 * ```ts
 * const options: FakeConnectionOptions = { drainsIn: 30 }; // finishes its request 30 ms after being told
 * ```
 */
export interface FakeConnectionOptions {
  /** Closes this many ms after the first `gracefulShutdown()` (0: an idle connection). */
  readonly drainsIn?: number;
  /** Closes by itself at the first emission or the completion of this (say `cold('---x')`). */
  readonly closes$?: ObservableInput<unknown>;
  /** Times `drainsIn` and stamps `calls`. Default `asyncScheduler`: virtual inside `TestScheduler.run`. */
  readonly scheduler?: SchedulerLike;
  /** What it says it speaks (`http1`, `websocket`...), for counts by protocol; default none (`other`). */
  readonly protocol?: string;
  /** What `describe()` answers, for `overdue` events; default `{ protocol, requests: [] }`. */
  readonly info?: ConnectionInfo;
}

/**
 * A {@link GracefulConnection} without a socket, for tests: its completion is yours to
 * control (`close()`, `drainsIn`, `closes$`) and it records every `gracefulShutdown()` and
 * `destroy()` it receives, so no spy library is needed (sinon's `spy(conn, 'destroy')`
 * works on it too).
 *
 * Both verbs are recorded every time but act once, as the contract asks; `destroy()`
 * closes at once, as destroying a socket does.
 *
 * ```
 * shutdown:  ---s-------
 * drainsIn:  ---|--3--|     drainsIn: 3
 * closed$:   ---------(x|)
 * ```
 *
 * @example
 * ```ts
 * const conn = new FakeConnection({ drainsIn: 5 });
 * graceful.watch(conn);
 * graceful.shutdown().subscribe();
 * // 5 ms later: conn.state === 'closed', conn.gracefulShutdownCount === 1
 * ```
 */
export class FakeConnection implements GracefulConnection {
  /** Emits once and completes when the connection closes; replays that to late subscribers. */
  readonly closed$: Observable<void>;
  /** As given in the options. */
  readonly protocol: string | undefined;
  private readonly closing = new AsyncSubject<void>();
  private readonly scheduler: SchedulerLike;
  private readonly log: FakeConnectionCall[] = [];
  private current: FakeConnectionState = 'open';
  private draining: Subscription | undefined;

  constructor(private readonly options: FakeConnectionOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.protocol = options.protocol;
    this.closed$ = new Observable<void>((subscriber) => {
      const closes = from(options.closes$ ?? NEVER)
        .pipe(take(1))
        .subscribe({ next: () => this.close(), complete: () => this.close() });
      const closed = this.closing.subscribe(subscriber);
      return () => {
        closes.unsubscribe();
        closed.unsubscribe();
      };
    });
  }

  /**
   * What it is busy with: the `info` option, or its protocol and no request.
   *
   * @example
   * ```ts
   * new FakeConnection({ protocol: 'http1' }).describe(); // { protocol: 'http1', requests: [] }
   * ```
   */
  describe(): ConnectionInfo {
    return this.options.info ?? { protocol: this.protocol ?? 'other', requests: [] };
  }

  /**
   * `open`, `draining` or `closed`.
   *
   * @example
   * ```ts
   * expect(conn.state).to.equal('draining');
   * ```
   */
  get state(): FakeConnectionState {
    return this.current;
  }

  /**
   * Every call received, in order, with the scheduler's time of each.
   *
   * @example
   * ```ts
   * expect(conn.calls.map((c) => c.method)).to.deep.equal(['gracefulShutdown', 'destroy']);
   * ```
   */
  get calls(): readonly FakeConnectionCall[] {
    return this.log;
  }

  /**
   * How many times `gracefulShutdown()` was called.
   *
   * @example
   * ```ts
   * expect(conn.gracefulShutdownCount).to.equal(1);
   * ```
   */
  get gracefulShutdownCount(): number {
    return this.count('gracefulShutdown');
  }

  /**
   * How many times `destroy()` was called.
   *
   * @example
   * ```ts
   * expect(conn.destroyCount).to.equal(0); // it drained in time
   * ```
   */
  get destroyCount(): number {
    return this.count('destroy');
  }

  /**
   * Records the call; the first one moves an open connection to `draining` and, with
   * `drainsIn`, schedules its close.
   *
   * @example
   * ```ts
   * conn.gracefulShutdown();
   * ```
   */
  gracefulShutdown(): void {
    this.record('gracefulShutdown');
    if (this.current !== 'open') return;
    this.current = 'draining';
    const { drainsIn } = this.options;
    if (drainsIn !== undefined) this.draining = this.scheduler.schedule(() => this.close(), drainsIn);
  }

  /**
   * Records the call and closes the connection at once, if it is not closed yet.
   *
   * @example
   * ```ts
   * conn.destroy();
   * ```
   */
  destroy(): void {
    this.record('destroy');
    this.close();
  }

  /**
   * Closes the connection by itself (the client went away, the last response finished):
   * `closed$` emits and completes. Harmless when already closed.
   *
   * @example
   * ```ts
   * conn.close();
   * ```
   */
  close(): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.draining?.unsubscribe();
    this.closing.next();
    this.closing.complete();
  }

  private record(method: FakeConnectionCall['method']): void {
    this.log.push({ method, at: this.scheduler.now() });
  }

  private count(method: FakeConnectionCall['method']): number {
    return this.log.filter((call) => call.method === method).length;
  }
}
