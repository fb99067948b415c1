/**
 * h2c hello world (HTTP/2 cleartext, prior knowledge): rxserve (`protocol: 'http2'`) against
 * raw node:http2, the pinned way (bench/support/pinned.ts): the servers warm on core 0, h2load
 * on core 1, alternating windows, each server's least CPU per request. Needs h2load (Debian:
 * apt-get install nghttp2-client).
 *
 * A third server, for reference, is node:http2 again in a process that has also loaded rxjs
 * (unused): with that much code loaded, V8 leaves a function of node's header processing
 * unoptimized (bench/profile.md), which a bare hello-world process does not show.
 *
 *   node --import tsx bench/h2.ts [--windows=8] [--seconds=3] [--clients=10] [--streams=10]
 */
import { buildDist } from './support/build.js';
import { comparePinned, comparisonTable, h2load } from './support/pinned.js';
import { recordFigure } from './support/figures.js';
import { environment, fixed, flag } from './support/stats.js';

buildDist();
const windows = flag('windows', 8);
const seconds = flag('seconds', 3);
const clients = flag('clients', 10);
const streams = flag('streams', 10);
const server = (kind: string): string[] => ['--import', 'tsx', 'bench/support/h2-server.ts', kind];
const [raw, rxserve, rawLoaded] = await comparePinned(
  [
    { name: 'node:http2', args: server('raw') },
    { name: 'rxserve', args: server('rxserve') },
    { name: 'node:http2, rxjs loaded', args: server('raw+rxjs') },
  ],
  { windows, seconds, load: h2load(clients, streams) },
);
const cpu = rxserve!.leastCpuPerRequest / raw!.leastCpuPerRequest;
const rps = rxserve!.medianRps / raw!.medianRps;
console.log(`\n### h2c hello world (${environment()}; ${windows} windows of ${seconds} s, h2load -c ${clients} -m ${streams}, pinned)\n`);
console.log(comparisonTable([raw!, rxserve!, rawLoaded!], { base: 'node:http2', targetOf: 'rxserve', target: 'CPU ≤ 1.05, req/s ≥ 0.95' }));
recordFigure({ figure: 'h2c hello, CPU per request', rxserve: `${fixed(rxserve!.leastCpuPerRequest, 2)} µs`, peer: `node:http2 ${fixed(raw!.leastCpuPerRequest, 2)} µs`, ratio: cpu, target: '≤ 1.05', met: cpu <= 1.05 });
recordFigure({ figure: 'h2c hello, req/s', rxserve: fixed(rxserve!.medianRps, 0), peer: `node:http2 ${fixed(raw!.medianRps, 0)}`, ratio: rps, target: '≥ 0.95', met: rps >= 0.95 });
