// An Express app served by rxserve: `node --import tsx demos/express.ts`, then
// `curl http://127.0.0.1:3000/slow` and Ctrl+C while it waits: the slow request still gets
// its answer (with `Connection: close`), then the server closes. A second Ctrl+C forces.
import { pathToFileURL } from 'node:url';
import express from 'express';
import { fromSignals, serve } from '../lib/index.js';

/**
 * The demo's Express app: `/` answers at once, `/slow` after `delay` ms.
 *
 * @example
 * ```ts
 * serve({ listener: app({ delay: 3000 }) });
 * ```
 */
export function app({ delay = 3000 } = {}): express.Express {
  const app = express();
  app.get('/', (req, res) => {
    res.send('Hello from Express\n');
  });
  app.get('/slow', (req, res) => {
    setTimeout(() => res.send(`done after ${delay} ms\n`), delay);
  });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve({
    port: Number(process.env['PORT'] ?? 3000),
    host: process.env['HOST'] ?? '127.0.0.1',
    listener: app(),
    shutdown$: fromSignals('SIGINT', 'SIGTERM'),
  }).subscribe((event) => {
    if (event.type === 'listening') console.log(`listening on ${event.url}`);
    else if (event.type === 'shutdown') console.log(`shutting down, ${event.open} connection(s) open`);
    else if (event.type === 'closed') {
      console.log(`closed (graceful: ${event.graceful}, drained: ${event.drained}, forced: ${event.forced})`);
      process.exitCode = event.graceful ? 0 : 1;
    } else if (event.type === 'error') console.error(event.error.message);
  });
}
