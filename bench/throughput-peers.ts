/**
 * Throughput (issue 7, item 1): hello world over keep-alive, rxserve vs raw node:http vs
 * Fastify 5; requests per second and p99 latency measured by autocannon in its own process.
 *
 *   node --import tsx bench/throughput-peers.ts [--rounds=5] [--duration=10] [--connections=100] [--short]
 *
 * Each measure: a fresh server child, a 1 s autocannon warm-up, then the measured run. The
 * order of the servers rotates from round to round; the table gives the median of the
 * rounds and its ratio to raw node's median in the same run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Message, root, spawnNode } from './support/child.js';
import { buildDist } from './support/build.js';
import type { ServerKind } from './support/server.js';
import { environment, fixed, flag, has, median, rotate, table } from './support/stats.js';

const KINDS: readonly ServerKind[] = ['node', 'rxserve', 'fastify'];
const AUTOCANNON = `${root}node_modules/autocannon/autocannon.js`;
const run = promisify(execFile);

interface Sample {
  readonly rps: number;
  readonly p99: number;
  readonly errors: number;
  /** CPU time of the server process per request (µs): less at the mercy of a shared machine than req/s. */
  readonly cpuPerRequest?: number;
}

type Stats = Message & { begun: number; cpu: number };

async function autocannon(url: string, connections: number, duration: number): Promise<Sample> {
  const { stdout } = await run(process.execPath, [AUTOCANNON, '-j', '-c', String(connections), '-d', String(duration), url], {
    maxBuffer: 16 * 2 ** 20,
  });
  const result = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number };
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function measure(kind: ServerKind, connections: number, duration: number): Promise<Sample> {
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind })]);
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    const url = `http://127.0.0.1:${port}/`;
    await autocannon(url, connections, 1);
    server.send({ type: 'stats' });
    const before = await server.next<Stats>('stats');
    const sample = await autocannon(url, connections, duration);
    server.send({ type: 'stats' });
    const after = await server.next<Stats>('stats');
    return { ...sample, cpuPerRequest: (after.cpu - before.cpu) / (after.begun - before.begun) };
  } finally {
    await server.kill();
  }
}

buildDist();
const short = has('short');
const rounds = flag('rounds', short ? 3 : 5);
const duration = flag('duration', short ? 3 : 10);
const connections = flag('connections', 100);
const samples = new Map<ServerKind, Sample[]>(KINDS.map((kind) => [kind, []]));
for (let round = 0; round < rounds; round++) {
  for (const kind of rotate(KINDS, round)) samples.get(kind)!.push(await measure(kind, connections, duration));
}
const node = median(samples.get('node')!.map((s) => s.rps));
const nodeCpu = median(samples.get('node')!.map((s) => s.cpuPerRequest ?? Number.NaN));
console.log(`\n### Throughput: hello world, keep-alive, autocannon -c ${connections} -d ${duration} (${environment()}; ${rounds} rounds, median)\n`);
console.log(
  table(
    ['server', 'req/s', 'x node', 'p99 (ms)', 'server CPU per request (µs)', 'x node (CPU)', 'errors', 'rounds (req/s)'],
    KINDS.map((kind) => {
      const s = samples.get(kind)!;
      const rps = median(s.map((x) => x.rps));
      const cpu = median(s.map((x) => x.cpuPerRequest ?? Number.NaN));
      return [
        kind,
        fixed(rps, 0),
        fixed(rps / node, 3),
        fixed(median(s.map((x) => x.p99)), 1),
        fixed(cpu, 1),
        fixed(cpu / nodeCpu, 2),
        s.reduce((n, x) => n + x.errors, 0),
        s.map((x) => fixed(x.rps, 0)).join(' '),
      ];
    }),
  ),
);
