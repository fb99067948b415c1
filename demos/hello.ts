// The hello demo: `npm start`, then Ctrl+C for a graceful stop (a second Ctrl+C forces it).
import { interval, map, takeUntil, endWith } from 'rxjs';
import { fromSignals, serve } from '../lib/index.js';

const port = Number(process.env['PORT'] ?? 3000);

serve({
  port,
  host: process.env['HOST'] ?? '127.0.0.1',
  handler: (req, ctx) => {
    if (req.url === '/stream') {
      // A long response that ends cleanly when the server starts draining.
      const ticks$ = interval(1000).pipe(
        map((n) => `tick ${n}\n`),
        takeUntil(ctx.draining$),
        endWith('bye\n'),
      );
      return { body: ticks$ };
    }
    return { body: 'Hello World!\n' };
  },
  shutdown$: fromSignals('SIGINT', 'SIGTERM'),
}).subscribe({
  next: (event) => {
    if (event.type === 'listening') console.log(`listening on ${event.url}`);
    else if (event.type === 'shutdown') console.log(`shutting down, ${event.open} connection(s) open`);
    else if (event.type === 'closed') {
      console.log(`closed (graceful: ${event.graceful}, drained: ${event.drained}, forced: ${event.forced})`);
      process.exitCode = event.graceful ? 0 : 1;
    } else if (event.type === 'error') console.error(`error: ${event.error.message}`);
  },
  error: (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
});
