/**
 * Memory per idle keep-alive connection (issue 7, item 3): 10,000 connections, each answered
 * once and left idle, rxserve vs raw node:http (and Fastify for reference). The server's
 * RSS and heap (after a full GC) before the connections and with them open, divided by
 * their number.
 *
 *   node --import tsx bench/memory-idle.ts [--rounds=3] [--connections=10000] [--short]
 *
 * Servers run with --expose-gc in child processes; the connections come from another.
 */
import { type Message, spawnNode } from './support/child.js';
import { buildDist } from './support/build.js';
import type { ServerKind } from './support/server.js';
import { recordFigure } from './support/figures.js';
import { environment, fixed, flag, has, median, rotate, sleep, table } from './support/stats.js';

const KINDS: readonly ServerKind[] = ['node', 'rxserve', 'fastify'];

type Memory = Message & { rss: number; heapUsed: number; external: number; arrayBuffers: number };

interface Sample {
  readonly rss: number;
  readonly heap: number;
}

async function measure(kind: ServerKind, connections: number): Promise<Sample> {
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind })], { fdLimit: 'max', nodeArgs: ['--expose-gc'] });
  const clients = spawnNode('bench/support/idle-clients.ts', [], { fdLimit: 'max' });
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    // One connection first, so code paths are warm and lazily made objects exist.
    clients.send({ type: 'open', port, connections: 1 });
    await clients.next('ready');
    server.send({ type: 'memory' });
    const before = await server.next<Memory>('memory');
    clients.send({ type: 'open', port, connections });
    const { open } = await clients.next<Message & { open: number }>('ready');
    if (open !== connections) throw new Error(`only ${open} of ${connections} connections open`);
    await sleep(200);
    server.send({ type: 'memory' });
    const after = await server.next<Memory>('memory');
    return {
      rss: (after.rss - before.rss) / connections,
      heap: (after.heapUsed + after.external - before.heapUsed - before.external) / connections,
    };
  } finally {
    await Promise.all([server.kill(), clients.kill()]);
  }
}

buildDist();
const short = has('short');
const rounds = flag('rounds', short ? 1 : 3);
const connections = flag('connections', short ? 2_000 : 10_000);
const samples = new Map<ServerKind, Sample[]>(KINDS.map((kind) => [kind, []]));
for (let round = 0; round < rounds; round++) {
  for (const kind of rotate(KINDS, round)) samples.get(kind)!.push(await measure(kind, connections));
}
const nodeRss = median(samples.get('node')!.map((s) => s.rss));
const nodeHeap = median(samples.get('node')!.map((s) => s.heap));
console.log(`\n### Memory per idle keep-alive connection: ${connections} connections (${environment()}; ${rounds} rounds, median; after a full GC)\n`);
console.log(
  table(
    ['server', 'RSS per connection (KiB)', 'vs node (KiB)', 'JS heap + external per connection (KiB)', 'vs node (KiB)', 'rounds RSS (KiB)'],
    KINDS.map((kind) => {
      const s = samples.get(kind)!;
      const rss = median(s.map((x) => x.rss));
      const heap = median(s.map((x) => x.heap));
      return [
        kind,
        fixed(rss / 1024, 2),
        `${rss >= nodeRss ? '+' : ''}${fixed((rss - nodeRss) / 1024, 2)}`,
        fixed(heap / 1024, 2),
        `${heap >= nodeHeap ? '+' : ''}${fixed((heap - nodeHeap) / 1024, 2)}`,
        s.map((x) => fixed(x.rss / 1024, 2)).join(' '),
      ];
    }),
  ),
);
const rxRss = median(samples.get('rxserve')!.map((s) => s.rss));
const rxHeap = median(samples.get('rxserve')!.map((s) => s.heap));
recordFigure({ figure: `memory per idle keep-alive connection (${connections}), RSS`, rxserve: `${fixed(rxRss / 1024, 2)} KiB`, peer: `node:http ${fixed(nodeRss / 1024, 2)} KiB`, ratio: `${rxRss >= nodeRss ? '+' : ''}${fixed((rxRss - nodeRss) / 1024, 2)} KiB`, target: '≤ +1 KiB', met: rxRss - nodeRss <= 1024 });
recordFigure({ figure: `memory per idle keep-alive connection (${connections}), heap + external`, rxserve: `${fixed(rxHeap / 1024, 2)} KiB`, peer: `node:http ${fixed(nodeHeap / 1024, 2)} KiB`, ratio: `${rxHeap >= nodeHeap ? '+' : ''}${fixed((rxHeap - nodeHeap) / 1024, 2)} KiB`, target: '≤ +1 KiB', met: rxHeap - nodeHeap <= 1024 });
