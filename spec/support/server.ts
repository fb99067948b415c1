import { type ClientRequest, type IncomingHttpHeaders, Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { ReplaySubject, type Subscription, filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { type ServeOptions, type ServerEvent, serve } from '../../lib/index.js';

type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** A running `serve()` for a spec: its events replayed, its url, and how to stop it. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly events: ReplaySubject<ServerEvent>;
  readonly subscription: Subscription;
  next<T extends ServerEvent['type']>(type: T): Promise<EventOf<T>>;
  /** Every event, once server$ has completed. */
  all(): Promise<ServerEvent[]>;
}

/** Subscribes to `serve(options)` on 127.0.0.1:0 and resolves once it is listening. */
export async function startServer(options: ServeOptions): Promise<TestServer> {
  const events = new ReplaySubject<ServerEvent>();
  const subscription = serve({ host: '127.0.0.1', port: 0, ...options }).subscribe(events);
  const next = <T extends ServerEvent['type']>(type: T): Promise<EventOf<T>> =>
    firstValueFrom(events.pipe(filter((event): event is EventOf<T> => event.type === type)));
  const listening = await next('listening');
  return {
    url: listening.url,
    port: listening.address.port,
    events,
    subscription,
    next,
    all: () => lastValueFrom(events.pipe(toArray())),
  };
}

/** A response read whole. */
export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The client socket it came on. */
  readonly socket: Socket;
}

/** Sends a request with node's http client and reads the whole response. */
export function get(url: string, options: { agent?: Agent; method?: string; path?: string } = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = send(url, options);
    req.on('response', (res) => {
      // Captured now: a keep-alive socket is detached from the response once it ends.
      const socket = res.socket;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          socket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Starts a request and returns it, ended, for specs that watch its events. */
export function send(url: string, options: { agent?: Agent; method?: string; path?: string } = {}): ClientRequest {
  const target = new URL(options.path ?? '/', url);
  const req = request(target, { agent: options.agent ?? new Agent({ keepAlive: true }), method: options.method ?? 'GET' });
  req.end();
  return req;
}

/** Resolves when `socket` has closed (at once if it already has). */
export function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The TCP handles (listeners and sockets) this process holds now. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

/** Resolves once every TCP handle of this process is gone: close callbacks run a turn late. */
export async function noTcpHandlesLeft(): Promise<number> {
  for (let turn = 0; turn < 10 && tcpHandles() > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  return tcpHandles();
}

/** A promise with its resolve, for a handler to say "I was called". */
export function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
