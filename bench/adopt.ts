/**
 * `serve({ server })` against the same server listening by itself (issue 14): a hello-world
 * `http.createServer(handler)`, CPU per request and req/s, pinned (bench/support/pinned.ts).
 * Target: within 3 %.
 *
 *   node --import tsx bench/adopt.ts [--windows=8] [--seconds=3] [--connections=50]
 */
import { buildDist } from './support/build.js';
import { autocannon, comparePinned } from './support/pinned.js';
import { environment, fixed, flag, table } from './support/stats.js';

buildDist();
const windows = flag('windows', 8);
const seconds = flag('seconds', 3);
const connections = flag('connections', 50);
const [node, adopted] = await comparePinned(
  [
    { name: 'http.createServer(handler), listening by itself', args: ['--import', 'tsx', 'bench/support/hello-server.ts', 'node'] },
    { name: 'the same server, serve({ server, port })', args: ['--import', 'tsx', 'bench/support/hello-server.ts', 'adopted'] },
  ],
  { windows, seconds, load: autocannon(connections) },
);
console.log(`\n### serve({ server }) against the server alone (${environment()}; ${windows} windows of ${seconds} s, autocannon -c ${connections}, pinned)\n`);
console.log(
  table(
    ['server', 'least CPU per request (µs)', 'x alone', 'median req/s', 'x alone', 'target'],
    [node!, adopted!].map((side) => [
      side.name,
      fixed(side.leastCpuPerRequest, 2),
      fixed(side.leastCpuPerRequest / node!.leastCpuPerRequest, 3),
      fixed(side.medianRps, 0),
      fixed(side.medianRps / node!.medianRps, 3),
      side === node ? '' : 'CPU ≤ 1.03, req/s ≥ 0.97',
    ]),
  ),
);
