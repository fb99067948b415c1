// Test helpers for the WebSocket specs: a served server whose events are recorded, `ws`
// clients that are all closed afterwards, and a count of open TCP handles.
import { once } from 'node:events';
import { Subject, type Subscription } from 'rxjs';
import WebSocket, { type ClientOptions } from 'ws';
import type { ServeOptions, ServerEvent } from '../../lib/index.js';
import { serve } from '../../lib/index.js';
import { tcpHandles } from './server.js';

export interface Served {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly events: ServerEvent[];
  /** Emits into the server's shutdown$: the first time drains, the second forces. */
  readonly shutdown: () => void;
  /** Resolves with the `closed` event when server$ completes. */
  readonly closed: Promise<Extract<ServerEvent, { type: 'closed' }>>;
  /** Resolves with the next event of `type` (or the one already recorded). */
  readonly next: <T extends ServerEvent['type']>(type: T) => Promise<Extract<ServerEvent, { type: T }>>;
  readonly subscription: Subscription;
}

const running = new Set<Served>();
const clients = new Set<WebSocket>();

/** Serves `options` on 127.0.0.1, port 0; resolves once listening. */
export async function start(options: Partial<ServeOptions>): Promise<Served> {
  const shutdown$ = new Subject<void>();
  const events: ServerEvent[] = [];
  const waiting = new Set<{ type: string; resolve: (e: ServerEvent) => void }>();
  let resolveClosed!: (e: Extract<ServerEvent, { type: 'closed' }>) => void;
  const closed = new Promise<Extract<ServerEvent, { type: 'closed' }>>((resolve) => (resolveClosed = resolve));
  let listening!: (e: Extract<ServerEvent, { type: 'listening' }>) => void;
  let failed!: (error: unknown) => void;
  const listened = new Promise<Extract<ServerEvent, { type: 'listening' }>>((resolve, reject) => {
    listening = resolve;
    failed = reject;
  });
  const subscription = serve({ handler: () => ({ body: 'plain answer' }), ...options, host: '127.0.0.1', port: 0, shutdown$ }).subscribe({
    next: (event) => {
      events.push(event);
      if (event.type === 'listening') listening(event);
      if (event.type === 'closed') resolveClosed(event);
      for (const waiter of waiting) {
        if (waiter.type === event.type) {
          waiting.delete(waiter);
          waiter.resolve(event);
        }
      }
    },
    error: (error: unknown) => failed(error),
  });
  const { url, address } = await listened;
  const next = <T extends ServerEvent['type']>(type: T): Promise<Extract<ServerEvent, { type: T }>> => {
    const seen = events.find((e) => e.type === type);
    if (seen) return Promise.resolve(seen as Extract<ServerEvent, { type: T }>);
    return new Promise((resolve) => waiting.add({ type, resolve: resolve as (e: ServerEvent) => void }));
  };
  const served: Served = {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    port: address.port,
    events,
    shutdown: () => shutdown$.next(),
    closed,
    next,
    subscription,
  };
  running.add(served);
  return served;
}

interface Recording {
  readonly received: Array<[string | Buffer, boolean]>;
  readonly closed: Promise<{ code: number; reason: string }>;
}
const recordings = new WeakMap<WebSocket, Recording>();

/**
 * A `ws` client, terminated in {@link cleanUp} if still open. What it receives and how it
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
  clients.add(ws);
  return ws;
}

/** A client that has completed its handshake. */
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

/**
 * Terminates every client, then drains every server still running and waits for its
 * `closed` event: by then each server-side socket has emitted 'close', so its handle is gone.
 */
export async function cleanUp(): Promise<void> {
  const closing: Promise<unknown>[] = [];
  for (const ws of clients) {
    closing.push(recordingOf(ws).closed);
    ws.terminate();
  }
  clients.clear();
  await Promise.all(closing);
  // A server unsubscribed by its test (a hard stop) has destroyed its sockets already.
  const live = [...running].filter((served) => !served.subscription.closed);
  for (const served of live) {
    if (!served.events.some((e) => e.type === 'shutdown')) served.shutdown();
  }
  await Promise.all(live.map((served) => served.closed));
  running.clear();
}

/**
 * TCP handles (listeners and sockets) open in this process, counted once pending handle
 * closes are done: a closed handle leaves the list in libuv's close-callbacks phase, which
 * follows the check phase; two turns of setImmediate put us past one for sure.
 */
export async function openTcpHandlesSettled(): Promise<number> {
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  return tcpHandles();
}

/** TCP handles (listeners and sockets) open in this process, now: one count for all specs. */
export { tcpHandles as openTcpHandles } from './server.js';
