// Shared by the request-path specs: a server under test, clients on 127.0.0.1 that are all
// closed after each test, and the check that no socket is left open.
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { expect } from 'chai';
import { ReplaySubject, Subject, filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { Agent } from 'undici';
import { serve } from '../../lib/index.js';
import type { ClosedEvent, ErrorEvent, ServerEvent } from '../../lib/events.js';
import type { ServeOptions } from '../../lib/options.js';
import { tcpHandles } from './server.js';

/** A server started by {@link start}. */
export interface Running {
  readonly url: string;
  readonly port: number;
  /** Every event so far, replayed to each new subscriber. */
  readonly events$: ReplaySubject<ServerEvent>;
  /** Starts the graceful shutdown (the first shutdown$ emission); a second call forces. */
  shutdown(): void;
  /** The `closed` event, once server$ completes. */
  readonly closed: Promise<ClosedEvent>;
  /** The `n`th error event (1-based), past or future. */
  error(n?: number): Promise<ErrorEvent>;
  /** Every error event so far. */
  errors(): ErrorEvent[];
  /** The first event of `type`, past or future. */
  next<T extends ServerEvent['type']>(type: T): Promise<Extract<ServerEvent, { type: T }>>;
}

const servers: Array<{ running: Running; stop: () => void }> = [];
const agents: Agent[] = [];
const sockets: Socket[] = [];

/**
 * Serves `options` on 127.0.0.1, port 0, and waits for `listening`.
 *
 * @example
 * ```ts
 * const server = await start({ handler: () => ({ body: 'hi' }) });
 * ```
 */
export async function start(options: Omit<ServeOptions, 'shutdown$' | 'host' | 'port'>): Promise<Running> {
  const shutdown$ = new Subject<void>();
  const events$ = new ReplaySubject<ServerEvent>();
  const subscription = serve({ deadline: 5_000, ...options, host: '127.0.0.1', shutdown$ } as ServeOptions).subscribe(
    events$,
  );
  const listening = await firstValueFrom(events$.pipe(filter((e) => e.type === 'listening')));
  const closed = lastValueFrom(events$) as Promise<ClosedEvent>;
  closed.catch(() => undefined);
  const running: Running = {
    url: listening.url,
    port: listening.address.port,
    events$,
    shutdown: () => shutdown$.next(),
    closed,
    errors: () => {
      const errors: ErrorEvent[] = [];
      events$.subscribe((e) => e.type === 'error' && errors.push(e)).unsubscribe();
      return errors;
    },
    next: (type) => firstValueFrom(events$.pipe(filter((e): e is Extract<ServerEvent, { type: typeof type }> => e.type === type))),
    error: (n = 1) =>
      new Promise((resolve) => {
        let seen = 0;
        const sub = events$.subscribe((e) => {
          if (e.type === 'error' && ++seen === n) {
            resolve(e);
            queueMicrotask(() => sub.unsubscribe());
          }
        });
      }),
  };
  servers.push({ running, stop: () => subscription.unsubscribe() });
  return running;
}

/**
 * An undici Agent that is destroyed after the test.
 *
 * @example
 * ```ts
 * const { statusCode } = await request(server.url, { dispatcher: agent() });
 * ```
 */
export function agent(options?: Agent.Options): Agent {
  const created = new Agent(options);
  agents.push(created);
  return created;
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
 * Connects a raw socket to `port`, for input no well-behaved client would send.
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
  const closed = once(socket, 'close').then(() => text);
  await once(socket, 'connect');
  return {
    socket,
    received: () => text,
    receive: (expected) =>
      text.includes(expected) ? Promise.resolve(text) : new Promise((resolve) => waiting.push({ text: expected, resolve })),
    closed,
  };
}

/**
 * After each test: hard-stops every server still running, destroys every client, and
 * asserts that no TCP handle (listener or socket) is left open.
 *
 * @example
 * ```ts
 * afterEach(closeEverything);
 * ```
 */
export async function closeEverything(): Promise<void> {
  for (const { stop } of servers.splice(0)) stop();
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
  await Promise.all(
    sockets.splice(0).map((socket) => {
      if (socket.closed) return undefined;
      socket.destroy();
      return once(socket, 'close');
    }),
  );
  // Handles closed above are released in the loop's close phase; a bounded number of turns,
  // not a timer, is what that takes.
  for (let turn = 0; turn < 5 && tcpHandles() > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(tcpHandles(), 'TCP handles left open').to.equal(0);
}

/** How many TCP handles (listening and connected) the process holds: one count for all specs. */
export { tcpHandles as openTcpHandles } from './server.js';
