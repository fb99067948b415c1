// Server-sent events that end cleanly on shutdown: `node --import tsx demos/sse.ts`, open
// http://127.0.0.1:3000 (or `curl -N http://127.0.0.1:3000/events`), then Ctrl+C. Each stream
// gets a last `bye` event and its end at once, so the server stops in milliseconds instead of
// waiting for the deadline.
import { pathToFileURL } from 'node:url';
import { endWith, map, takeUntil, timer } from 'rxjs';
import { type Handler, fromSignals, router, serve } from '../lib/index.js';

/**
 * A `text/event-stream` of ticks, the first at once, then one every `every` ms, that ends
 * with a `bye` event when the server starts draining.
 *
 * @example
 * ```ts
 * serve({ handler: router({ 'GET /events': events({ every: 1000 }) }) });
 * ```
 */
export function events({ every = 1000 } = {}): Handler {
  return (req, ctx) => ({
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    body: timer(0, every).pipe(
      map((n) => `id: ${n}\ndata: tick ${n}\n\n`),
      takeUntil(ctx.draining$),
      endWith('event: bye\ndata: the server is shutting down\n\n'),
    ),
  });
}

const page = `<!doctype html>
<title>rxserve SSE</title>
<pre id="log"></pre>
<script>
  const log = (line) => (document.getElementById('log').textContent += line + '\\n');
  const source = new EventSource('/events');
  source.onmessage = (e) => log(e.data);
  source.addEventListener('bye', (e) => { log('bye: ' + e.data); source.close(); });
</script>
`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve({
    port: Number(process.env['PORT'] ?? 3000),
    host: process.env['HOST'] ?? '127.0.0.1',
    handler: router({
      'GET /': () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: page }),
      'GET /events': events(),
    }),
    shutdown$: fromSignals('SIGINT', 'SIGTERM'),
  }).subscribe((event) => {
    if (event.type === 'listening') console.log(`listening on ${event.url}`);
    else if (event.type === 'closed') console.log(`closed (graceful: ${event.graceful}, drained: ${event.drained})`);
    else if (event.type === 'error') console.error(event.error.message);
    else if (event.type === 'shutdown') console.log(`shutting down, ${event.open} connection(s) open`);
  });
}
