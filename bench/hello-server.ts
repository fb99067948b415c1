// One hello-world server for bench/throughput.ts, in its own process: `raw` (node:http)
// or `rxserve`. Prints its url on stdout, stops on SIGTERM.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromSignals, serve } from '../lib/index.js';

const kind = process.argv[2];

if (kind === 'raw') {
  const server = createServer((req, res) => {
    res.statusCode = 200;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('Hello World!');
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => server.close());
  server.on('close', () => process.exit(0));
} else if (kind === 'rxserve') {
  serve({
    host: '127.0.0.1',
    handler: () => ({ body: 'Hello World!' }),
    shutdown$: fromSignals('SIGTERM'),
    deadline: 1_000,
  }).subscribe((event) => {
    if (event.type === 'listening') console.log(event.url);
    if (event.type === 'closed') process.exit(0);
  });
} else {
  console.error('usage: hello-server.ts raw|rxserve');
  process.exit(2);
}
