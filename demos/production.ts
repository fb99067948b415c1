// A server set up for production: health endpoints, a drain delay for load balancers, the
// signal policy (first SIGTERM/SIGINT drains, a second SIGINT forces), pm2's `shutdown`
// message and `wait_ready`, and an exit code that tells how it went. It is also the worker
// of demos/cluster.ts. See docs/kubernetes.md.
//
//   PORT=3000 DRAIN_DELAY=5000 DEADLINE=15000 node --import tsx demos/production.ts
import { map, tap, timer } from 'rxjs';
import { exitOnClose, serve, shutdownSignals } from '../lib/index.js';

const port = Number(process.env['PORT'] ?? 3000);

serve({
  // FD: a listening socket this process inherited (demos/zero-downtime.ts passes fd 3).
  ...(process.env['FD'] ? { fd: Number(process.env['FD']) } : { port, host: process.env['HOST'] ?? '127.0.0.1' }),
  health: true, // /readyz and /livez
  drainDelay: Number(process.env['DRAIN_DELAY'] ?? 5_000),
  deadline: Number(process.env['DEADLINE'] ?? 15_000),
  idleGrace: Number(process.env['IDLE_GRACE'] ?? 0),
  handler: (req) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/slow') {
      // Answers after ?ms= milliseconds: a request still in flight when shutdown comes.
      const ms = Number(url.searchParams.get('ms') ?? 1000);
      console.log(`slow request for ${ms} ms`);
      return timer(ms).pipe(map(() => ({ body: `slept ${ms} ms\n` })));
    }
    return { body: `Hello from ${process.pid}\n` };
  },
  // First SIGTERM, SIGINT or pm2's 'shutdown' message drains; a second SIGINT forces.
  shutdown$: shutdownSignals().pipe(tap((why) => console.log(`shutdown$ emitted: ${why}`))),
})
  .pipe(exitOnClose())
  .subscribe({
    next: (event) => {
      switch (event.type) {
        case 'listening':
          console.log(`listening on ${event.url} (pid ${process.pid})`);
          process.send?.('ready'); // pm2's wait_ready; a cluster primary waits on 'listening' instead
          break;
        case 'stopping':
          console.log(`stopping: readiness fails, still serving ${event.open} connection(s)`);
          break;
        case 'shutdown':
          console.log(`shutdown: accepts stopped, ${event.open} connection(s) open`);
          break;
        case 'remaining':
          console.log(`remaining: ${event.open} ${JSON.stringify(event.byProtocol)}`);
          break;
        case 'overdue':
          for (const { protocol, requests } of event.connections) {
            const busy = requests.map((r) => `${r.method} ${r.url} (${r.age} ms)`).join(', ') || 'idle';
            console.log(`overdue (${event.reason}): ${protocol} ${busy}`);
          }
          break;
        case 'closed':
          console.log(`closed (graceful: ${event.graceful}, drained: ${event.drained}, forced: ${event.forced})`);
          break;
        case 'error':
          console.error(`error: ${event.error.message}`);
      }
    },
    error: (error: Error) => console.error(error.message),
  });

// Runs only when the event loop has emptied by itself (process.exit() skips it): the proof
// that nothing was left open.
process.once('beforeExit', () => console.log(`exiting by itself, active resources: ${JSON.stringify(process.getActiveResourcesInfo())}`));
