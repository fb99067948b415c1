import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  BehaviorSubject,
  Observable,
  type ObservableInput,
  type Observer,
  type Subscriber,
  Subscription,
  defer,
  filter,
  from,
  fromEvent,
  map,
  of,
  take,
  throwError,
} from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { ClientError, HandlerError, InvalidReplyError } from '../errors.js';
import type { ErrorEvent } from '../events.js';
import { type ConnectionInfo, SocketConnection } from '../shutdown/connection.js';
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

const NO_READERS: readonly Subscriber<WebSocketMessage>[] = [];

/**
 * One upgraded WebSocket as a connection `GracefulShutdown` can watch: it runs the
 * handler, and drains the WebSocket way.
 *
 * - `gracefulShutdown()`: `ctx.draining$` emits, then the close frame goes out (1001 Going
 *   Away unless configured); closed when the peer answers and the socket closes.
 * - `destroy()`: `ws.terminate()`, no close frame.
 *
 * An idle WebSocket may stay open for days, ten thousand of them: what one keeps alive is
 * this object, its output's subscriber and the subscribers of `messages$`, with the `ws`
 * listeners shared by every socket (bench/websocket.ts).
 */
export class WebSocketConnection extends SocketConnection<Socket> {
  private state = State.Open;
  private readonly openedAt = Date.now();
  // Made on the first read of ctx.draining$: most handlers never look.
  private draining: BehaviorSubject<boolean> | undefined;
  /** Who subscribed to `messages$` (a new array each time one comes: it rarely changes). */
  private readers = NO_READERS;
  private readonly output: OutputSubscriber;
  // The upgrade request's path, not the request: an IncomingMessage (its headers, raw
  // headers, readable state) would stay alive as long as the WebSocket.
  private readonly url: string;

  constructor(
    private readonly ws: WebSocket,
    request: IncomingMessage,
    handler: WebSocketHandler,
    private readonly options: WebSocketConnectionOptions,
  ) {
    super(request.socket);
    this.url = request.url ?? '';
    connectionOf.set(ws, this);
    ws.on('error', onError);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    this.output = new OutputSubscriber(this);
    outputOf(handler, new Observable<WebSocketMessage>((reader) => this.read(reader)), contextOf(this, ws, request)).subscribe(this.output);
  }

  /** `websocket`. */
  get protocol(): string {
    return 'websocket';
  }

  /**
   * What is open: the upgrade request's path, and how long the WebSocket has been open.
   */
  describe(): ConnectionInfo {
    return {
      protocol: this.protocol,
      remote: remoteOf(this.socket),
      requests: [{ method: 'GET', url: this.url, age: Date.now() - this.openedAt }],
    };
  }

  /**
   * Emits once the WebSocket has closed, for whatever reason.
   */
  override get closed$(): Observable<unknown> {
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
    this.reportClosed();
  }

  /**
   * Whether what the output emits can still be sent.
   * @internal
   */
  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /**
   * The handler's `ctx.draining$`.
   * @internal
   */
  draining$(): Observable<void> {
    this.draining ??= new BehaviorSubject(this.state !== State.Open);
    return this.draining.pipe(
      filter(Boolean),
      take(1),
      map((): void => undefined),
    );
  }

  /**
   * A message from the peer, to each subscriber of `messages$`.
   * @internal
   */
  received(data: Buffer, isBinary: boolean): void {
    // With ws's default binaryType ('nodebuffer') a message is one Buffer, fragments joined.
    const message = isBinary ? data : data.toString('utf8');
    for (const reader of this.readers) if (!reader.closed) reader.next(message);
  }

  /**
   * The WebSocket closed: `messages$` completes, the output is let go.
   * @internal
   */
  wsClosed(): void {
    const readers = this.readers;
    this.readers = NO_READERS;
    for (const reader of readers) reader.complete();
    this.output.unsubscribe();
    this.draining?.complete();
    this.reportClosed();
  }

  /**
   * What the output emitted, sent as a text or binary frame.
   * @internal
   */
  send(data: unknown): void {
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

  /**
   * The output errored: reported, then closed with 1011.
   * @internal
   */
  fail(error: unknown): void {
    const url = this.url;
    this.options.report({
      type: 'error',
      error: error instanceof InvalidReplyError ? error : new HandlerError('GET', url, error),
      request: { method: 'GET', url },
      remote: remoteOf(this.socket),
    });
    this.close(INTERNAL_ERROR);
  }

  /**
   * The output completed: 1000, or the shutdown code once draining.
   * @internal
   */
  outputCompleted(): void {
    this.close(this.state === State.Open ? NORMAL : this.options.shutdownCode);
  }

  /**
   * An error of the socket under the WebSocket.
   * @internal
   */
  reportClientError(error: Error): void {
    const url = this.url;
    this.options.report({ type: 'error', error: new ClientError(error), request: { method: 'GET', url }, remote: remoteOf(this.socket) });
  }

  // Each subscriber hears the messages from now on; one that comes after the close
  // completes at once.
  private read(reader: Subscriber<WebSocketMessage>): void {
    if (this.ws.readyState === this.ws.CLOSED) {
      reader.complete();
      return;
    }
    this.readers = [...this.readers.filter((each) => !each.closed), reader];
  }

  private close(code: number, reason = code === this.options.shutdownCode ? this.options.shutdownReason : ''): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.close(code, reason);
  }
}

// The ws listeners, one of each for every socket (ws calls them with the WebSocket as
// `this`), instead of closures kept a socket.
const connectionOf = new WeakMap<WebSocket, WebSocketConnection>();

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf.get(this)?.received(data as Buffer, isBinary);
}

function onClose(this: WebSocket): void {
  connectionOf.get(this)?.wsClosed();
}

function onError(this: WebSocket, error: Error): void {
  connectionOf.get(this)?.reportClientError(error);
}

/**
 * The subscriber of the handler's output, one object: rxjs takes an observer that is also
 * a Subscription as the subscriber itself (no SafeSubscriber and its closures a socket),
 * and a synchronous producer (`range()`, `from(array)`) checks its `closed`, so unsubscribing
 * once the close frame is out stops it at its next emission instead of running on into the
 * void.
 */
class OutputSubscriber extends Subscription implements Observer<unknown> {
  constructor(private readonly connection: WebSocketConnection) {
    super();
  }

  next(value: unknown): void {
    if (this.closed) return;
    if (this.connection.isOpen) this.connection.send(value);
    else this.unsubscribe();
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.connection.fail(error);
  }

  complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.connection.outputCompleted();
  }
}

/** The handler's `ctx`: its getter is the only closure, and only the handler keeps it. */
function contextOf(connection: WebSocketConnection, socket: WebSocket, request: IncomingMessage): WebSocketContext {
  return {
    socket,
    request,
    get draining$() {
      return connection.draining$();
    },
  };
}

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
