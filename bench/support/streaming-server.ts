// The server side of bench/streaming.ts, in its own process so its RSS is its own: streams
// SIZE bytes (default 1 GiB) of fresh 64 KiB chunks from a Readable (/readable) or an
// AsyncIterable (/async-iterable), and prints one JSON line per stream with its RSS figures.
import { Readable } from 'node:stream';
import { fromSignals, serve } from '../../lib/index.js';

const SIZE = Number(process.env['SIZE'] ?? 1024 ** 3);
const CHUNK = 64 * 1024;

function* chunks(): Generator<Buffer> {
  // A fresh buffer each time: a server that read ahead of the client would hold them all.
  for (let sent = 0; sent < SIZE; sent += CHUNK) yield Buffer.allocUnsafe(Math.min(CHUNK, SIZE - sent)).fill(120);
}

let peak = 0;
const sample = (): void => void (peak = Math.max(peak, process.memoryUsage.rss()));
setInterval(sample, 20).unref();

serve({
  host: '127.0.0.1',
  shutdown$: fromSignals('SIGTERM'),
  handler: (req) => {
    globalThis.gc?.();
    const start = process.memoryUsage.rss();
    peak = start;
    const began = performance.now();
    req.socket.once('close', () => {
      sample();
      const seconds = (performance.now() - began) / 1000;
      console.log(JSON.stringify({ path: req.url, bytes: SIZE, seconds, rssStart: start, rssPeak: peak }));
    });
    const body =
      req.url === '/readable'
        ? Readable.from(chunks(), { objectMode: false })
        : (async function* () {
            yield* chunks();
          })();
    return { headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) }, body };
  },
}).subscribe((event) => {
  if (event.type === 'listening') console.log(event.url);
  if (event.type === 'closed') process.exit(0);
});
