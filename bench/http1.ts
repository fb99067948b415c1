/**
 * HTTP/1.1 hello world (issue 16, item 1): rxserve's own `serve({ handler })` against raw
 * `node:http` and Fastify 5, server CPU per request and req/s, pinned
 * (bench/support/pinned.ts). Target: CPU per request ≤ 1.03 x node:http (least vs least),
 * req/s ≥ 0.97 x.
 *
 *   node --import tsx bench/http1.ts [--windows=8] [--seconds=3] [--connections=50]
 */
import { buildDist } from './support/build.js';
import { autocannon, comparePinned, comparisonTable } from './support/pinned.js';
import { recordFigure } from './support/figures.js';
import { environment, fixed, flag } from './support/stats.js';

buildDist();
const windows = flag('windows', 8);
const seconds = flag('seconds', 3);
const connections = flag('connections', 50);
const hello = (kind: string): string[] => ['--import', 'tsx', 'bench/support/hello-server.ts', kind];
const sides = await comparePinned(
  [
    { name: 'node:http', args: hello('node') },
    { name: 'rxserve', args: hello('rxserve') },
    { name: 'fastify', args: hello('fastify') },
  ],
  { windows, seconds, load: autocannon(connections) },
);
const node = sides[0]!;
console.log(`\n### HTTP/1.1 hello world (${environment()}; ${windows} windows of ${seconds} s, autocannon -c ${connections}, pinned)\n`);
console.log(comparisonTable(sides, { base: 'node', targetOf: 'rxserve', target: 'CPU ≤ 1.03, req/s ≥ 0.97' }));
const rx = sides[1]!;
const fastify = sides[2]!;
recordFigure({
  figure: 'HTTP/1.1 hello, CPU per request (least)',
  rxserve: `${fixed(rx.leastCpuPerRequest, 2)} µs`,
  peer: `node:http ${fixed(node.leastCpuPerRequest, 2)} µs`,
  fastify: `${fixed(fastify.leastCpuPerRequest, 2)} µs (${fixed(fastify.leastCpuPerRequest / node.leastCpuPerRequest, 3)})`,
  ratio: rx.leastCpuPerRequest / node.leastCpuPerRequest,
  target: '≤ 1.03',
  met: rx.leastCpuPerRequest / node.leastCpuPerRequest <= 1.03,
});
recordFigure({
  figure: 'HTTP/1.1 hello, req/s (median)',
  rxserve: fixed(rx.medianRps, 0),
  peer: `node:http ${fixed(node.medianRps, 0)}`,
  fastify: `${fixed(fastify.medianRps, 0)} (${fixed(fastify.medianRps / node.medianRps, 3)})`,
  ratio: rx.medianRps / node.medianRps,
  target: '≥ 0.97',
  met: rx.medianRps / node.medianRps >= 0.97,
});
