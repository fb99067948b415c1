// The one harness of the end-to-end specs: a server under test on 127.0.0.1, the clients a
// spec opens (all closed after it), and the check that no TCP handle is left open.
import { once } from 'node:events';
import { type ClientRequest, type IncomingHttpHeaders, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { type Socket, connect } from 'node:net';
import { expect } from 'chai';
import { NEVER, ReplaySubject, Subject, type Subscription, filter, firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { Agent as UndiciAgent } from 'undici';
import WebSocket, { type ClientOptions } from 'ws';
import { type ClosedEvent, type ErrorEvent, type ServeOptions, type ServerEvent, serve } from '../../lib/index.js';

type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** A running `serve()` for a spec. */
export interface TestServer {
  /** `http://127.0.0.1:port` (`https://` with `tls`). */
  readonly url: string;
  /** The same with `ws://` (`wss://`). */
  readonly wsUrl: string;
  readonly port: number;
  /** Every event so far, replayed to each new subscriber; completes with server$. */
  readonly events$: ReplaySubject<ServerEvent>;
  /** Every event so far. */
  readonly events: readonly ServerEvent[];
  readonly subscription: Subscription;
  /** A shutdown$ emission (besides the spec's own `shutdown$`): the first drains, the next forces. */
  shutdown(): void;
  /** The first event of `type`, past or future. */
  next<T extends ServerEvent['type']>(type: T): Promise<EventOf<T>>;
  /** The `n`th error event (1-based), past or future. */
  error(n?: number): Promise<ErrorEvent>;
  /** Every error event so far. */
  errors(): ErrorEvent[];
  /** The `closed` event, once server$ has said it. */
  readonly closed: Promise<ClosedEvent>;
  /** Every event, once server$ has completed. */
  all(): Promise<ServerEvent[]>;
}

const servers: TestServer[] = [];
const sockets: Socket[] = [];
const undiciAgents: UndiciAgent[] = [];
const httpAgents: HttpAgent[] = [];
const wsClients = new Set<WebSocket>();

/**
 * Serves `options` on 127.0.0.1, port 0 (a handler answering `plain answer` when none is
 * given, a deadline of 5 s unless given), and resolves once it is listening; with `listen:
 * false`, neither host nor port is given (an adopted server that listens by itself).
 * Hard-stopped by {@link closeEverything} if still running.
 *
 * @example
 * ```ts
 * const server = await start({ handler: () => ({ body: 'hi' }) });
 * ```
 */
export async function start(options: Partial<ServeOptions> = {}, { listen = true }: { listen?: boolean } = {}): Promise<TestServer> {
  const shutdown$ = new Subject<void>();
  const events$ = new ReplaySubject<ServerEvent>();
  const events: ServerEvent[] = [];
  const answers =
    options.handler === undefined && options.listener === undefined && options.server === undefined ? { handler: () => ({ body: 'plain answer' }) } : {};
  const subscription = serve({
    deadline: 5_000,
    ...answers,
    ...options,
    // An adopted server that listens by itself is given neither.
    ...(listen ? { host: '127.0.0.1', port: 0 } : {}),
    shutdown$: merge(options.shutdown$ ?? NEVER, shutdown$),
  } as ServeOptions).subscribe({
    next: (event) => {
      events.push(event);
      events$.next(event);
    },
    error: (error: unknown) => events$.error(error),
    complete: () => events$.complete(),
  });
  const next = <T extends ServerEvent['type']>(type: T): Promise<EventOf<T>> =>
    firstValueFrom(events$.pipe(filter((event): event is EventOf<T> => event.type === type)));
  const errors = (): ErrorEvent[] => events.filter((event): event is ErrorEvent => event.type === 'error');
  const listening = await next('listening');
  const closed = next('closed');
  closed.catch(() => undefined);
  const server: TestServer = {
    url: listening.url,
    wsUrl: listening.url.replace(/^http/, 'ws'),
    port: listening.address.port,
    events$,
    events,
    subscription,
    shutdown: () => shutdown$.next(),
    next,
    error: (n = 1) =>
      new Promise((resolve) => {
        let seen = 0;
        const listening = events$.subscribe((event) => {
          if (event.type === 'error' && ++seen === n) {
            resolve(event);
            queueMicrotask(() => listening.unsubscribe());
          }
        });
      }),
    errors,
    closed,
    all: () => lastValueFrom(events$.pipe(toArray())),
  };
  servers.push(server);
  return server;
}

/**
 * An undici Agent, destroyed after the spec.
 *
 * @example
 * ```ts
 * const { statusCode } = await request(server.url, { dispatcher: agent() });
 * ```
 */
export function agent(options?: UndiciAgent.Options): UndiciAgent {
  const created = new UndiciAgent(options);
  undiciAgents.push(created);
  return created;
}

/** A keep-alive `http.Agent` of node's client, destroyed after the spec. */
export function httpAgent(): HttpAgent {
  const created = new HttpAgent({ keepAlive: true });
  httpAgents.push(created);
  return created;
}

/** A response read whole by node's http client. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client socket it came on. */
  readonly socket: Socket;
}

/** Sends a request with node's http client (a keep-alive agent of its own unless given) and reads the whole response. */
export function get(url: string, options: { agent?: HttpAgent; method?: string; path?: string } = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = send(url, options);
    req.on('response', (res) => {
      // Captured now: a keep-alive socket is detached from the response once it ends.
      const socket = res.socket;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Starts a request with node's http client and returns it, ended, for specs that watch its events. */
export function send(url: string, options: { agent?: HttpAgent; method?: string; path?: string } = {}): ClientRequest {
  const target = new URL(options.path ?? '/', url);
  const req = httpRequest(target, { agent: options.agent ?? httpAgent(), method: options.method ?? 'GET' });
  req.end();
  return req;
}

/** A raw TCP client: what it received so far and when the server closed it. */
export interface RawClient {
  readonly socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves once `text` has been received. */
  receive(text: string): Promise<string>;
  /** Resolves with everything received once the socket has closed. */
  readonly closed: Promise<string>;
}

/**
 * Connects a raw socket to `port`, for input no well-behaved client would send; destroyed
 * after the spec.
 *
 * @example
 * ```ts
 * const client = await raw(server.port);
 * client.socket.write('GARBAGE\r\n\r\n');
 * expect(await client.closed).to.match(/^HTTP\/1.1 400/);
 * ```
 */
export async function raw(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  const waiting: Array<{ text: string; resolve: (all: string) => void }> = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const wait of [...waiting]) {
      if (text.includes(wait.text)) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve(text);
      }
    }
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  await once(socket, 'connect');
  return {
    socket,
    received: () => text,
    receive: (expected) => (text.includes(expected) ? Promise.resolve(text) : new Promise((resolve) => waiting.push({ text: expected, resolve }))),
    closed,
  };
}

interface Recording {
  readonly received: Array<[string | Buffer, boolean]>;
  readonly closed: Promise<{ code: number; reason: string }>;
}
const recordings = new WeakMap<WebSocket, Recording>();

/**
 * A `ws` client, terminated after the spec if still open. What it receives and how it
 * closes are recorded from the start: a server may send and close in the same packet as
 * its handshake answer.
 */
export function client(url: string, options?: ClientOptions): WebSocket {
  const ws = new WebSocket(url, options);
  const received: Recording['received'] = [];
  ws.on('error', () => undefined);
  ws.on('message', (data: Buffer, isBinary: boolean) => received.push([isBinary ? data : data.toString(), isBinary]));
  // Not events.once(): it rejects on 'error', and a refused handshake emits one before 'close'.
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  recordings.set(ws, { received, closed });
  wsClients.add(ws);
  return ws;
}

/** A `ws` client that has completed its handshake. */
export async function connected(url: string, options?: ClientOptions): Promise<WebSocket> {
  const ws = client(url, options);
  await once(ws, 'open');
  return ws;
}

/** Resolves with the code and reason of the client's close. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return recordingOf(ws).closed;
}

/** Resolves with the first `count` messages the client received, as [data, isBinary]. */
export async function messages(ws: WebSocket, count: number): Promise<Array<[string | Buffer, boolean]>> {
  const { received } = recordingOf(ws);
  while (received.length < count) await once(ws, 'message');
  return received.slice(0, count);
}

function recordingOf(ws: WebSocket): Recording {
  const recording = recordings.get(ws);
  if (!recording) throw new Error('not a client made by client()');
  return recording;
}

/** A promise with its resolve, for a handler to say "I was called". */
export function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves when `socket` has closed (at once if it already has). */
export function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The TCP handles (listeners and sockets) this process holds now. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

/**
 * The TCP handles still open once pending closes are done: a closed handle leaves the
 * list in libuv's close phase, a turn or so after; a bounded number of turns, not a timer.
 */
export async function tcpHandlesLeft(): Promise<number> {
  for (let turn = 0; turn < 10 && tcpHandles() > 0; turn++) await new Promise(setImmediate);
  return tcpHandles();
}

/**
 * After each spec: hard-stops every server still running, closes every client, and asserts
 * that no TCP handle (listener or socket) is left open.
 *
 * @example
 * ```ts
 * afterEach(closeEverything);
 * ```
 */
export async function closeEverything(): Promise<void> {
  for (const server of servers.splice(0)) server.subscription.unsubscribe();
  const closing: Array<Promise<unknown> | undefined> = [];
  for (const ws of wsClients) {
    closing.push(recordingOf(ws).closed);
    ws.terminate();
  }
  wsClients.clear();
  closing.push(...undiciAgents.splice(0).map((a) => a.destroy()));
  for (const a of httpAgents.splice(0)) a.destroy();
  closing.push(
    ...sockets.splice(0).map((socket) => {
      if (socket.closed) return undefined;
      socket.destroy();
      return closed(socket);
    }),
  );
  await Promise.all(closing);
  expect(await tcpHandlesLeft(), 'TCP handles left open').to.equal(0);
}
