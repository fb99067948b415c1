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
import { CATEGORIES, type Profile, categorize, topFunctions } from './support/cpu-profile.js';
import { environment, fixed, flag, has, table } from './support/stats.js';

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
