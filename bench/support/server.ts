/**
 * A server under test, run as a child process by the benchmarks and stress scripts
 * (rxserve from dist/: call buildDist() first; `RXSERVE_DIST=/path/to/dist/index.js` serves another build, to compare two versions in one run):
 *
 *   node --import tsx bench/support/server.ts '{"kind":"rxserve","delay":0}'
 *
 * It listens on 127.0.0.1:0 and speaks over IPC: it sends `listening` (with the port),
 * `begun` (with the count, when `notifyBegun`), `closed` (`ms` from the `shutdown` message to
 * the server saying it has closed, taken in its callback or event, `socketsClosedMs` to every socket having emitted 'close';
 * rxserve adds graceful, drained and forced); it answers `memory` (after a full GC when node runs
 * with --expose-gc) and `stats` (requests begun, client errors seen, CPU time used in µs); `profile-start` (with the
 * sampling `interval` in µs, default 1000) and `profile-stop` (with a `file` to write the V8 CPU profile to) answer `profiling`, `profiled`.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { Subject, map, timer } from 'rxjs';
import { fromParent, toParent } from './child.js';

/** What the server under test is and how it answers. */
export interface ServerConfig {
  readonly kind: ServerKind;
  /** ms before each reply; 0 answers at once. */
  readonly delay?: number;
  /** Graceful-shutdown deadline where the library has one (ms). */
  readonly deadline?: number;
  /** rxserve's `idleGrace` (ms). */
  readonly idleGrace?: number;
  /** Send a `begun` message for each request begun. */
  readonly notifyBegun?: boolean;
  /** Track node's sockets, for `socketsClosedMs` (it costs memory: not in memory benches). */
  readonly trackSockets?: boolean;
}

/** The servers compared. */
export type ServerKind = 'node' | 'rxserve' | 'fastify' | 'http-terminator' | 'stoppable';

const BODY = 'Hello World!';

/**
 * When the library said it had closed, taken in its own callback or event: what runs after
 * it in the same turn (rxserve's teardown, say) is not part of the time to closed.
 */
let saidClosedAt: number | undefined;
const sayClosed = (): void => void (saidClosedAt ??= performance.now());

async function main(config: ServerConfig): Promise<void> {
  const delay = config.delay ?? 0;
  const deadline = config.deadline ?? 10_000;
  let begun = 0;
  let errors = 0;
  const onBegin = (): void => {
    begun++;
    if (config.notifyBegun) toParent({ type: 'begun', count: begun });
  };
  // The same work for every kind: count, wait `delay` if any, answer.
  const nodeHandler = (req: IncomingMessage, res: ServerResponse): void => {
    onBegin();
    const end = (): void => void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length }).end(BODY);
    if (delay > 0) setTimeout(end, delay);
    else end();
  };

  // node's close() calls back once the last socket is destroyed, before the sockets have
  // emitted 'close', and so does rxserve's `closed` for the sockets it destroys. Counted here
  // for the node-based servers (for rxserve by its TCP handles), to compare both moments.
  const sockets = openSockets();
  // Resolves once closed, with what the library tells of it (rxserve only).
  let shutdown: () => Promise<object | void>;
  let port: number;
  if (config.kind === 'rxserve') {
    // The compiled dist/ (see build.ts), typed as its source.
    const { serve } = (await import(process.env['RXSERVE_DIST'] ?? new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../lib/index.js');
    const shutdown$ = new Subject<void>();
    const closed = new Subject<{ graceful: boolean; drained: number; forced: number }>();
    await new Promise<void>((resolve, reject) =>
      serve({
        host: '127.0.0.1',
        port: 0,
        deadline,
        idleGrace: config.idleGrace ?? 0,
        shutdown$,
        handler: () => {
          onBegin();
          const reply = { status: 200, headers: { 'content-type': 'text/plain' }, body: BODY };
          return delay > 0 ? timer(delay).pipe(map(() => reply)) : reply;
        },
      }).subscribe({
        next: (event) => {
          if (event.type === 'listening') {
            port = event.address.port;
            resolve();
          } else if (event.type === 'error') errors++;
          else if (event.type === 'closed') {
            sayClosed();
            closed.next(event);
          }
        },
        error: reject,
      }),
    );
    shutdown = () =>
      new Promise((resolve) => {
        closed.subscribe(({ graceful, drained, forced }) => resolve({ graceful, drained, forced }));
        shutdown$.next();
      });
  } else if (config.kind === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.get('/', async (_req, reply) => {
      onBegin();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return reply.type('text/plain').send(BODY);
    });
    if (config.trackSockets) app.server.on('connection', (socket: Socket) => sockets.watch(socket));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    shutdown = () => app.close();
  } else {
    const server: Server = createServer(nodeHandler);
    server.on('clientError', (_error, socket) => {
      errors++;
      socket.destroy();
    });
    if (config.trackSockets) server.on('connection', (socket: Socket) => sockets.watch(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    shutdown = await shutdownOf(config.kind, server, deadline);
  }

  const profiler = new Session();
  profiler.connect();
  fromParent((message) => {
    if (message.type === 'shutdown') {
      const start = performance.now();
      void shutdown().then(async (detail) => {
        sayClosed(); // the libraries that answer with a promise
        const ms = saidClosedAt! - start;
        // rxserve's sockets are its own: each one's 'close' is seen as its TCP handle going.
        await (config.kind === 'rxserve' ? tcpHandlesGone() : sockets.allClosed());
        toParent({ type: 'closed', ms, socketsClosedMs: Math.max(ms, performance.now() - start), ...detail });
      });
    } else if (message.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      toParent({ type: 'memory', rss, heapUsed, external, arrayBuffers });
    } else if (message.type === 'profile-start') {
      void profiler
        .post('Profiler.enable')
        .then(() => profiler.post('Profiler.setSamplingInterval', { interval: (message.interval as number | undefined) ?? 1000 }))
        .then(() => profiler.post('Profiler.start'))
        .then(() => toParent({ type: 'profiling' }));
    } else if (message.type === 'profile-stop') {
      void profiler.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(message.file as string, JSON.stringify(profile));
        toParent({ type: 'profiled' });
      });
    } else if (message.type === 'stats') {
      const { user, system } = process.cpuUsage();
      toParent({ type: 'stats', begun, errors, cpu: user + system });
    }
  });
  toParent({ type: 'listening', port: port! });
}

/** The sockets a node server accepted, to know when every one has emitted 'close'. */
function openSockets(): { watch(socket: Socket): void; allClosed(): Promise<void> } {
  const open = new Set<Socket>();
  let onEmpty: (() => void) | undefined;
  return {
    watch(socket) {
      open.add(socket);
      socket.once('close', () => {
        open.delete(socket);
        if (open.size === 0) onEmpty?.();
      });
    },
    allClosed: () => (open.size === 0 ? Promise.resolve() : new Promise((resolve) => (onEmpty = resolve))),
  };
}

/** Resolves once this process has no TCP handle left (checked each turn of the event loop). */
async function tcpHandlesGone(): Promise<void> {
  while (process.getActiveResourcesInfo().some((name) => name.startsWith('TCP'))) await new Promise((resolve) => setImmediate(resolve));
}

async function shutdownOf(kind: ServerKind, server: Server, deadline: number): Promise<() => Promise<void>> {
  if (kind === 'http-terminator') {
    const { createHttpTerminator } = await import('http-terminator');
    const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: deadline });
    return () => terminator.terminate();
  }
  if (kind === 'stoppable') {
    const { default: stoppable } = await import('stoppable');
    const stoppableServer = stoppable(server, deadline);
    return () =>
      new Promise((resolve) =>
        stoppableServer.stop(() => {
          sayClosed();
          resolve();
        }),
      );
  }
  // node's own: close() stops accepting (and, since node 19, closes idle connections once);
  // closeIdleConnections() as the docs advise.
  return () =>
    new Promise((resolve) => {
      server.close(() => {
        sayClosed();
        resolve();
      });
      server.closeIdleConnections();
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void main(JSON.parse(process.argv[2] ?? '{"kind":"node"}') as ServerConfig);
}
