// One hello-world HTTP/2 cleartext (prior knowledge) server for bench/h2.ts, in its own
// process: `raw` (node:http2 compatibility API) or `rxserve` (protocol: 'http2'). Prints
// its url on stdout, stops on SIGTERM.
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fromSignals, serve } from '../../lib/index.js';

const kind = process.argv[2];

if (kind === 'raw') {
  const server = createServer((req, res) => {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('Hello World!');
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => process.exit(0));
} else if (kind === 'rxserve') {
  serve({
    host: '127.0.0.1',
    protocol: 'http2',
    handler: () => ({ body: 'Hello World!' }),
    shutdown$: fromSignals('SIGTERM'),
    deadline: 1_000,
  }).subscribe((event) => {
    if (event.type === 'listening') console.log(event.url);
    if (event.type === 'closed') process.exit(0);
  });
} else {
  console.error('usage: h2-server.ts raw|rxserve');
  process.exit(2);
}
