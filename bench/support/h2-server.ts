/**
 * A hello-world HTTP/2 cleartext (prior knowledge) server for bench/h2.ts, one kind a
 * process: `raw` (node:http2's compatibility API), `raw+rxjs` (the same, in a process that
 * has also loaded rxjs, unused: why, in bench/profile.md) or `rxserve`
 * (`protocol: 'http2'`, from the compiled `dist/`). Prints its url and serves until killed.
 */
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';

const BODY = 'Hello World!';
// An exit of its own on SIGINT, so that a --cpu-prof run writes its profile.
process.on('SIGINT', () => process.exit(0));
const kind = process.argv[2];

if (kind === 'raw' || kind === 'raw+rxjs') {
  if (kind === 'raw+rxjs') await import('rxjs');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(BODY);
  });
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
} else if (kind === 'rxserve') {
  // RXSERVE_DIST=/path/to/dist/index.js serves another build (to compare two versions).
  const { serve } = (await import(process.env['RXSERVE_DIST'] ?? new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../lib/index.js');
  serve({ host: '127.0.0.1', port: 0, protocol: 'http2', handler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: BODY }) }).subscribe(
    (event) => event.type === 'listening' && console.log(event.url),
  );
} else {
  console.error('usage: h2-server.ts raw|raw+rxjs|rxserve');
  process.exit(2);
}
