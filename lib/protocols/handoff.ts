import type { Socket } from 'node:net';
import { type Observable, type SchedulerLike, Subscription, asyncScheduler } from 'rxjs';
import { slowClientError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { type ConnectionInfo, type GracefulConnection, SocketConnection } from '../shutdown/connection.js';
import { remoteOf } from '../node-internals.js';
import { type OptionCheck, check } from '../option-checks.js';

/**
 * A connection whose protocol is not known yet (a TLS handshake, a peek at the first
 * bytes): `decided$` serves the socket and emits the protocol's connection, or completes
 * without one when the socket is not worth serving (a failed handshake), which closes it.
 *
 * Until then nothing has been asked of the server, so shutting down closes the socket at
 * once, like an idle HTTP/1.1 connection; after, both verbs go to the protocol's connection.
 * It counts as closed when the accepted socket closes, whatever was layered on it. Given
 * `timeout`, a socket still undecided after `timeout.ms` is closed, after `timeout.onTimeout()`
 * (a client that never finishes its TLS handshake, or never sends a byte).
 */
export function handoff(
  socket: Socket,
  decided$: Observable<GracefulConnection>,
  protocol: string,
  timeout?: HandoffTimeout,
): GracefulConnection {
  return new HandoffConnection(socket, decided$, protocol, timeout);
}

/**
 * How long a {@link handoff} waits for its decision.
 */
export interface HandoffTimeout {
  readonly ms: number;
  readonly scheduler: SchedulerLike;
  /** Called just before the undecided socket is closed. */
  readonly onTimeout: () => void;
}

/**
 * The {@link HandoffTimeout} of `handshakeTimeout`: a socket still undecided then is
 * reported as a {@link ClientError} whose cause has `code` (node's own, where it has one),
 * then closed. None without a `handshakeTimeout`.
 */
export function handshakeTimeoutOf(
  socket: Socket,
  options: { readonly handshakeTimeout?: number; readonly scheduler?: SchedulerLike; readonly report?: (event: ErrorEvent) => void },
  code: string,
  what: string,
): HandoffTimeout | undefined {
  const { handshakeTimeout: ms, scheduler = asyncScheduler, report } = options;
  if (ms === undefined) return undefined;
  return {
    ms,
    scheduler,
    onTimeout: () =>
      report?.({
        type: 'error',
        error: slowClientError(code, `${what} within ${ms} ms`),
        remote: remoteOf(socket),
      }),
  };
}

const enum State {
  Deciding,
  Decided,
  Closed,
}

class HandoffConnection extends SocketConnection<Socket> {
  private state = State.Deciding;
  private served: GracefulConnection | undefined;
  // Added to, not assigned: decided$ may complete during its own subscribe.
  private readonly deciding = new Subscription();

  constructor(
    socket: Socket,
    decided$: Observable<GracefulConnection>,
    /** Counted under this label until the protocol is decided. */
    private readonly label: string,
    timeout: HandoffTimeout | undefined,
  ) {
    super(socket);
    // It closes when the accepted socket does, whatever was layered on it.
    socket.once('close', () => this.reportClosed());
    // Added first: a decision made during the subscribe below cancels it at once.
    const waiting = timeout?.scheduler.schedule(() => {
      if (this.state !== State.Deciding) return;
      timeout.onTimeout();
      this.close();
    }, timeout.ms);
    if (waiting) this.deciding.add(waiting);
    this.deciding.add(
      decided$.subscribe({
        next: (served) => {
          this.state = State.Decided;
          this.served = served;
          waiting?.unsubscribe();
        },
        complete: () => {
          if (this.state === State.Deciding) this.close();
        },
      }),
    );
  }

  /** The label (`tls`, `auto`) while deciding, then what the chosen connection speaks. */
  get protocol(): string {
    return this.served?.protocol ?? this.label;
  }

  describe(): ConnectionInfo {
    return (
      this.served?.describe?.() ?? {
        protocol: this.protocol,
        remote: remoteOf(this.socket),
        requests: [],
      }
    );
  }

  // Shutting down or destroyed while deciding, the socket is closed and the decision
  // dropped; so a chosen connection never needs telling afterwards.
  gracefulShutdown(): void {
    if (this.served) this.served.gracefulShutdown();
    else this.close();
  }

  destroy(): void {
    if (this.served) this.served.destroy();
    else this.close();
    if (this.socket.destroyed) this.reportClosed();
  }

  private close(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.deciding.unsubscribe();
    this.socket.destroy();
    this.reportClosed();
  }
}

/** The check of `serve()`'s `handshakeTimeout` option (default 60 000, as node's `headersTimeout`). */
export const handshakeTimeoutOption: OptionCheck<number> = (value, name) => {
  if (value === undefined) return 60_000;
  check(name, typeof value === 'number' && Number.isFinite(value) && value > 0, 'a finite number > 0 (milliseconds)', value);
  return value as number;
};
