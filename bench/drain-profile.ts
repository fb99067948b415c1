/**
 * Drain latency, profiled (issue 7, item 2): where the server's CPU goes between the
 * shutdown message and the last socket's 'close', with idle keep-alive connections, rxserve
 * next to node's close() + closeIdleConnections(). One V8 CPU profile of each server child
 * (sampled every 100 µs through node:inspector); findings in bench/profile.md.
 *
 *   node --import tsx bench/drain-profile.ts [--connections=10000]
 *
 * Time is sampled CPU time of the server's main thread, idle and the profiler's own work
 * excluded, divided by the number of connections.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, spawnNode } from './support/child.js';
import { buildDist } from './support/build.js';
import { type CallFrame, type Profile, categorize, topFunctions } from './support/cpu-profile.js';
import type { ServerKind } from './support/server.js';
import { environment, fixed, flag, has, sleep, table } from './support/stats.js';

const DRAIN_CATEGORIES: ReadonlyArray<[string, (frame: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['the profiler itself', (f) => f.url.includes('inspector') || (f.url === '' && f.functionName === 'dispatch')],
  ['closing socket handles (native)', (f) => f.url === '' && f.functionName === 'close'],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['RxJS', (f) => f.url.includes('/node_modules/rxjs/')],
  ['rxserve (dist/)', (f) => /\/(dist|lib)\//.test(f.url) && !f.url.includes('node_modules')],
  ['node http (socketOnClose, parsers)', (f) => f.url.includes('_http_')],
  ['node streams, net, events, timers', (f) => /internal\/streams|node:net|node:events|stream_base|internal\/timers|task_queues/.test(f.url)],
  ['other (native, program, the bench)', () => true],
];
const EXCLUDED = new Set(['idle', 'the profiler itself']);

async function profileOf(kind: ServerKind, connections: number): Promise<{ profile: Profile; closedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), `rxserve-drain-profile-${kind}-`));
  const file = join(dir, 'server.cpuprofile');
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind, trackSockets: true })], { fdLimit: 'max' });
  const clients = spawnNode('bench/support/idle-clients.ts', [], { fdLimit: 'max' });
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    clients.send({ type: 'open', port, connections });
    await clients.next('ready');
    await sleep(200); // let both processes settle after the connection storm
    server.send({ type: 'profile-start', interval: 100 });
    await server.next('profiling');
    server.send({ type: 'shutdown' });
    const { socketsClosedMs } = await server.next<Message & { socketsClosedMs: number }>('closed');
    server.send({ type: 'profile-stop', file });
    await server.next('profiled');
    await clients.next('allClosed');
    return { profile: JSON.parse(readFileSync(file, 'utf8')) as Profile, closedMs: socketsClosedMs };
  } finally {
    await Promise.all([server.kill(), clients.kill()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

buildDist();
const connections = flag('connections', has('short') ? 1_000 : 10_000);
const kinds: ServerKind[] = ['node', 'rxserve'];
const split = new Map<ServerKind, Map<string, number>>();
const closedMs = new Map<ServerKind, number>();
let rxserve: Profile | undefined;
for (const kind of kinds) {
  const { profile, closedMs: ms } = await profileOf(kind, connections);
  split.set(kind, categorize(profile, DRAIN_CATEGORIES));
  closedMs.set(kind, ms);
  if (kind === 'rxserve') rxserve = profile;
}
const busy = (kind: ServerKind): number => [...split.get(kind)!].reduce((sum, [name, us]) => (EXCLUDED.has(name) ? sum : sum + us), 0);
console.log(`\n### Drain CPU by where it is spent: ${connections} idle keep-alive connections (${environment()})\n`);
console.log(
  table(
    ['where', ...kinds.flatMap((kind) => [`${kind} µs/connection`, `${kind} %`])],
    DRAIN_CATEGORIES.filter(([name]) => !EXCLUDED.has(name))
      .map(([name]) => [
        name,
        ...kinds.flatMap((kind) => {
          const us = split.get(kind)!.get(name) ?? 0;
          return [fixed(us / connections, 2), fixed((100 * us) / busy(kind), 1)];
        }),
      ])
      .concat([
        ['total (busy)', ...kinds.flatMap((kind) => [fixed(busy(kind) / connections, 2), '100'])],
        ["every socket emitted 'close' after (ms, profiled)", ...kinds.flatMap((kind) => [fixed(closedMs.get(kind)!), ''])],
      ]),
  ),
);
console.log(`\nrxserve's top functions by self time:\n`);
console.log(
  table(
    ['function', 'µs/connection', '% of busy'],
    topFunctions(rxserve!, 20)
      .filter(([name]) => !/^(dispatch|\(idle\))/.test(name))
      .map(([name, us]) => [name.replace(/\|/g, '\\|'), fixed(us / connections, 2), fixed((100 * us) / busy('rxserve'), 1)]),
  ),
);
