/**
 * A hello-world server for the pinned comparisons (bench/support/pinned.ts), one kind a
 * process; it prints its port and serves until killed:
 *
 *   node --import tsx bench/support/hello-server.ts node|adopted|rxserve|fastify
 *
 * - `node`: `http.createServer(handler)` listening by itself;
 * - `node+rxjs`: the same, in a process that has also loaded rxjs, unused (why: bench/profile.md);
 * - `adopted`: the same server, served by rxserve (`serve({ server, port })`);
 * - `rxserve`: rxserve's own `serve({ handler })`;
 * - `fastify`: Fastify 5 with one route, for reference.
 *
 * rxserve comes from the compiled `dist/` (call buildDist() first).
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = 'Hello World!';
// An exit of its own on SIGINT, so that a --cpu-prof run writes its profile.
process.on('SIGINT', () => process.exit(0));
const kind = process.argv[2];
const nodeHandler = (req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length }).end(BODY);
};

if (kind === 'node' || kind === 'node+rxjs') {
  if (kind === 'node+rxjs') await import('rxjs');
  const server = createServer(nodeHandler);
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else if (kind === 'fastify') {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/', async (_req, reply) => reply.type('text/plain').send(BODY));
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log((app.server.address() as AddressInfo).port);
} else {
  // RXSERVE_DIST=/path/to/dist/index.js serves another build (to compare two versions).
  const { serve } = (await import(process.env['RXSERVE_DIST'] ?? new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../lib/index.js');
  const options =
    kind === 'adopted'
      ? { server: createServer(nodeHandler), port: 0 }
      : { handler: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: BODY }), port: 0 };
  serve({ host: '127.0.0.1', ...options }).subscribe((event) => event.type === 'listening' && console.log(event.address.port));
}
