/**
 * Per-request overhead (issue 7, item 4): where the server's CPU goes under a hello-world
 * keep-alive load, rxserve next to raw node:http, from V8 CPU profiles of the server child
 * (taken through node:inspector, after a warm-up) while autocannon, in its own process,
 * sends a fixed number of requests.
 * Findings are written down in bench/profile.md.
 *
 *   node --import tsx bench/profile.ts [--requests=100000] [--connections=100] [--short]
 *
 * Time is the profile's sampled time of the server's main thread (idle excluded), split by
 * where the sampled function lives, and divided by the number of requests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Message, root, spawnNode } from './support/child.js';
import { buildDist } from './support/build.js';
import type { ServerKind } from './support/server.js';
import { environment, fixed, flag, has, table } from './support/stats.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface Profile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: CallFrame }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a sampled function lives; the first rule that matches wins. */
const CATEGORIES: ReadonlyArray<[string, (frame: CallFrame) => boolean]> = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['socket writes (writev/write syscalls)', (f) => f.url === '' && /^(writev|write\w*String|writeBuffer)$/.test(f.functionName)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['AbortController / AbortSignal', (f) => f.url.includes('abort_controller') || f.url.includes('internal/event_target')],
  ['RxJS', (f) => f.url.includes('/node_modules/rxjs/')],
  ['rxserve (dist/)', (f) => /\/(dist|lib)\//.test(f.url) && !f.url.includes('node_modules')],
  ['node http (parser, ServerResponse)', (f) => f.url.includes('_http_') || f.functionName === 'execute'],
  ['node streams, net, events, timers', (f) => /internal\/streams|node:net|node:events|stream_base|internal\/timers|task_queues/.test(f.url)],
  ['fastify and its dependencies', (f) => f.url.includes('/node_modules/')],
  ['other (native, program)', () => true],
];

function categorize(profile: Profile): Map<string, number> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const [name] = CATEGORIES.find(([, matches]) => matches(frame))!;
    time.set(name, (time.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return time;
}

function topFunctions(profile: Profile, count: number): Array<[string, number]> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = frames.get(id)!;
    if (f.functionName === '(idle)') return;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|dist\/|lib\/)/, '$1').replace(/^node:internal\//, 'node:')}:${f.lineNumber + 1}` : 'native';
    const key = `${f.functionName || '(anonymous)'} (${where})`;
    time.set(key, (time.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...time].sort((a, b) => b[1] - a[1]).slice(0, count);
}

const run = promisify(execFile);

async function profileOf(kind: ServerKind, requests: number, connections: number): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), `rxserve-profile-${kind}-`));
  const file = join(dir, 'server.cpuprofile');
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind })]);
  const autocannon = (amount: number): Promise<unknown> =>
    run(process.execPath, [`${root}node_modules/autocannon/autocannon.js`, '-j', '-c', String(connections), '-a', String(amount), url], { maxBuffer: 16 * 2 ** 20 });
  let url = '';
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    url = `http://127.0.0.1:${port}/`;
    await autocannon(requests / 10); // warm-up: the JIT has settled before the profile starts
    server.send({ type: 'profile-start' });
    await server.next('profiling');
    await autocannon(requests);
    server.send({ type: 'profile-stop', file });
    await server.next('profiled');
    return JSON.parse(readFileSync(file, 'utf8')) as Profile;
  } finally {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

buildDist();
const requests = flag('requests', has('short') ? 20_000 : 100_000);
const connections = flag('connections', 100);
const kinds: ServerKind[] = ['node', 'rxserve'];
const profiles = new Map<ServerKind, Map<string, number>>();
let rxserve: Profile | undefined;
for (const kind of kinds) {
  const profile = await profileOf(kind, requests, connections);
  profiles.set(kind, categorize(profile));
  if (kind === 'rxserve') rxserve = profile;
}
const busy = (kind: ServerKind): number => [...profiles.get(kind)!].reduce((sum, [name, us]) => (name === 'idle' ? sum : sum + us), 0);
console.log(`\n### Per-request CPU by where it is spent: ${requests} hello-world requests, autocannon -c ${connections} (${environment()})\n`);
console.log(
  table(
    ['where', ...kinds.flatMap((kind) => [`${kind} µs/request`, `${kind} %`])],
    CATEGORIES.filter(([name]) => name !== 'idle').map(([name]) => [
      name,
      ...kinds.flatMap((kind) => {
        const us = profiles.get(kind)!.get(name) ?? 0;
        return [fixed(us / requests, 2), fixed((100 * us) / busy(kind), 1)];
      }),
    ]).concat([['total (busy)', ...kinds.flatMap((kind) => [fixed(busy(kind) / requests, 2), '100'])]]),
  ),
);
console.log(`\nrxserve's top functions by self time:\n`);
console.log(table(['function', 'µs/request', '% of busy'], topFunctions(rxserve!, 20).map(([name, us]) => [name.replace(/\|/g, '\\|'), fixed(us / requests, 2), fixed((100 * us) / busy('rxserve'), 1)])));
