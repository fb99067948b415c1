/**
 * `serve({ server })` against the same server listening by itself (issue 14): a hello-world
 * `http.createServer(handler)`, CPU per request and req/s, pinned (bench/support/pinned.ts).
 * Target: within 3 %.
 *
 *   node --import tsx bench/adopt.ts [--windows=8] [--seconds=3] [--connections=50]
 */
import { buildDist } from './support/build.js';
import { autocannon, comparePinned, comparisonTable } from './support/pinned.js';
import { environment, flag } from './support/stats.js';

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
console.log(comparisonTable([node!, adopted!], { base: 'alone', targetOf: adopted!.name, target: 'CPU ≤ 1.03, req/s ≥ 0.97' }));
