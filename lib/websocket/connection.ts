import type { IncomingMessage } from 'node:http';
import {
  BehaviorSubject,
  Observable,
  type ObservableInput,
  type Subscription,
  defer,
  filter,
  from,
  fromEvent,
  map,
  of,
  take,
  takeWhile,
  throwError,
} from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { ClientError, HandlerError, InvalidReplyError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import type { ConnectionInfo, GracefulConnection } from '../shutdown/connection.js';
import { remoteOf } from '../node-internals.js';

/**
 * A message as the handler receives it: a `string` for a text frame, a `Buffer` for a
 * binary one.
 *
 * @example
 * ```ts
 * const size = (m: WebSocketMessage) => (typeof m === 'string' ? m.length : m.byteLength);
 * ```
 */
export type WebSocketMessage = string | Buffer;

/**
 * What a handler's output may emit: a `string` is sent as a text frame, bytes as a binary
 * one.
 *
 * @example
 * ```ts
 * const out: WebSocketOutput = new TextEncoder().encode('binary hello');
 * ```
 */
export type WebSocketOutput = string | Uint8Array;

/**
 * What a WebSocket handler gets besides the messages.
 *
 * @example
 * ```ts
 * const handler: WebSocketHandler = (messages$, ctx) =>
 *   merge(messages$, ctx.draining$.pipe(map(() => 'bye')));
 * ```
 */
export interface WebSocketContext {
  /** The `ws` WebSocket (for its protocol, extensions, or `ping()`). */
  readonly socket: WebSocket;
  /** The upgrade request (its url, headers, socket). */
  readonly request: IncomingMessage;
  /**
   * Emits once when graceful shutdown begins (at once if it already has), then completes;
   * before the close frame, so what the handler sends in answer still goes out.
   */
  readonly draining$: Observable<void>;
}

/**
 * Serves one WebSocket: `messages$` emits what the peer sends and completes when its
 * close arrives; what the returned output emits is sent. Output completion closes with
 * 1000, an output error with 1011 (and an `error` event).
 *
 * @example
 * ```ts
 * const echo: WebSocketHandler = (messages$) => messages$;
 * ```
 */
export type WebSocketHandler = (
  messages$: Observable<WebSocketMessage>,
  ctx: WebSocketContext,
) => ObservableInput<WebSocketOutput>;

/**
 * What to do with a message the handler sends while the peer has not read the ones before
 * (`ws.bufferedAmount` above the limit): `'close'` the connection with 1008, or `'drop'`
 * the message and keep going.
 *
 * @example
 * ```ts
 * const policy: BufferFullPolicy = 'drop'; // a ticker: a late tick is worth nothing
 * ```
 */
export type BufferFullPolicy = 'close' | 'drop';

/**
 * How a {@link WebSocketConnection} behaves.
 */
export interface WebSocketConnectionOptions {
  /** The close code sent on graceful shutdown (1001 Going Away, 1012 Service Restart...). */
  readonly shutdownCode: number;
  /** The close reason sent with it (at most 123 bytes of UTF-8). */
  readonly shutdownReason: string;
  /** Bytes the socket may hold unsent before {@link BufferFullPolicy} applies. */
  readonly maxBufferedAmount: number;
  readonly onBufferFull: BufferFullPolicy;
  readonly report: (event: ErrorEvent) => void;
}

const enum State {
  Open,
  Draining,
  Destroyed,
}

/** Close codes of RFC 6455 section 7.4.1 that rxserve sends by itself. */
const NORMAL = 1000;
const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;

/**
 * One upgraded WebSocket as a connection `GracefulShutdown` can watch: it runs the
 * handler, and drains the WebSocket way.
 *
 * - `gracefulShutdown()`: `ctx.draining$` emits, then the close frame goes out (1001 Going
 *   Away unless configured); closed when the peer answers and the socket closes.
 * - `destroy()`: `ws.terminate()`, no close frame.
 */
export class WebSocketConnection implements GracefulConnection {
  readonly protocol = 'websocket';
  private state = State.Open;
  private readonly openedAt = Date.now();
  // Made on the first read of ctx.draining$: most handlers never look, and an idle
  // connection should cost little.
  private draining: BehaviorSubject<boolean> | undefined;
  private readonly output: Subscription;
  // The upgrade request's path and socket, not the request: an IncomingMessage (its
  // headers, raw headers, readable state) would stay alive as long as the WebSocket.
  private readonly url: string;
  private readonly socket: IncomingMessage['socket'];

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    handler: WebSocketHandler,
    private readonly options: WebSocketConnectionOptions,
  ) {
    this.url = request.url ?? '';
    this.socket = request.socket;
    const onError = (error: Error): void => this.reportClientError(error);
    ws.on('error', onError);
    const connection = this;
    const ctx: WebSocketContext = {
      socket: ws,
      request,
      get draining$() {
        return connection.draining$();
      },
    };
    // takeWhile: once the close frame is out (a full buffer, say) a synchronous producer
    // is stopped at its next emission instead of running on into the void.
    this.output = outputOf(handler, messagesOf(ws), ctx)
      .pipe(takeWhile(() => ws.readyState === ws.OPEN))
      .subscribe({
        next: (data) => this.send(data),
        error: (error: unknown) => this.fail(error),
        complete: () => this.close(this.state === State.Open ? NORMAL : options.shutdownCode),
      });
    ws.once('close', () => {
      ws.off('error', onError);
      this.output.unsubscribe();
      this.draining?.complete();
    });
  }

  /**
   * What is open: the upgrade request's path, and how long the WebSocket has been open.
   */
  describe(): ConnectionInfo {
    return {
      protocol: this.protocol,
      remote: this.remote(),
      requests: [{ method: 'GET', url: this.url, age: Date.now() - this.openedAt }],
    };
  }

  /**
   * Emits once the WebSocket has closed, for whatever reason.
   */
  get closed$(): Observable<unknown> {
    const ws = this.ws;
    return defer(() => (ws.readyState === ws.CLOSED ? of(undefined) : fromEvent(ws, 'close').pipe(take(1))));
  }

  /**
   * Tells the handler (`ctx.draining$`), then sends the shutdown close frame (1001 by
   * default) and waits for the peer's close. Idempotent.
   */
  gracefulShutdown(): void {
    if (this.state !== State.Open) return;
    this.state = State.Draining;
    // First the handler, so a goodbye it sends goes out before the close frame.
    this.draining?.next(true);
    this.close(this.options.shutdownCode);
  }

  /**
   * Closes the socket at once, with no close frame (`ws.terminate()`). Idempotent.
   */
  destroy(): void {
    if (this.state === State.Destroyed) return;
    this.state = State.Destroyed;
    this.output.unsubscribe();
    this.ws.terminate();
  }

  private draining$(): Observable<void> {
    this.draining ??= new BehaviorSubject(this.state !== State.Open);
    return this.draining.pipe(
      filter(Boolean),
      take(1),
      map((): void => undefined),
    );
  }

  private send(data: unknown): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      const got = data === null ? 'null' : typeof data;
      this.fail(new InvalidReplyError(`Expected each WebSocket message to be a string or bytes, got ${got}`));
      return;
    }
    if (this.ws.bufferedAmount > this.options.maxBufferedAmount) {
      if (this.options.onBufferFull === 'close') this.close(POLICY_VIOLATION, 'slow consumer');
      return;
    }
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  private fail(error: unknown): void {
    const url = this.url;
    this.options.report({
      type: 'error',
      error: error instanceof InvalidReplyError ? error : new HandlerError('GET', url, error),
      request: { method: 'GET', url },
      remote: this.remote(),
    });
    this.close(INTERNAL_ERROR);
  }

  private close(code: number, reason = code === this.options.shutdownCode ? this.options.shutdownReason : ''): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.close(code, reason);
  }

  private reportClientError(error: NodeJS.ErrnoException): void {
    const url = this.url;
    this.options.report({ type: 'error', error: new ClientError(error), request: { method: 'GET', url }, remote: this.remote() });
  }

  private remote(): ErrorEvent['remote'] {
    return remoteOf(this.socket);
  }
}

// The emitter wrapped at the edge: each subscriber gets its own listeners, removed on
// unsubscribe; one that comes after the close completes at once.
/**
 * What the handler answers, or its error. Not `defer()`: its factory would keep `ctx`, and
 * with it the upgrade request, alive as long as the WebSocket (bench/websocket.ts).
 */
function outputOf(handler: WebSocketHandler, messages$: Observable<WebSocketMessage>, ctx: WebSocketContext): Observable<unknown> {
  try {
    return from(handler(messages$, ctx));
  } catch (error) {
    return throwError(() => error);
  }
}

function messagesOf(ws: WebSocket): Observable<WebSocketMessage> {
  return new Observable<WebSocketMessage>((subscriber) => {
    if (ws.readyState === ws.CLOSED) {
      subscriber.complete();
      return;
    }
    // With ws's default binaryType ('nodebuffer') a message is one Buffer, fragments joined.
    const onMessage = (data: RawData, isBinary: boolean): void => {
      const bytes = data as Buffer;
      subscriber.next(isBinary ? bytes : bytes.toString('utf8'));
    };
    const onClose = (): void => subscriber.complete();
    ws.on('message', onMessage);
    ws.once('close', onClose);
    return () => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
  });
}
