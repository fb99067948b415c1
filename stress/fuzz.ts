/**
 * Fuzz (issue 7, item 8): 100,000 malformed or random requests (and random bytes), each on
 * a connection of its own, against a running rxserve: no crash, every connection answered
 * or closed (none still open 5 s after its bytes were sent), and RSS stable within 10%
 * between the end of a warm-up and the end of the run (both after a full GC).
 *
 *   node --import tsx stress/fuzz.ts [--inputs=100000] [--warmup=10000] [--phases=5] [--concurrency=100] [--seed=1]
 *
 * The server and the fuzzer are separate child processes; inputs are seeded, so a failure
 * replays with the same --seed.
 */
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, mergeMap, reduce } from 'rxjs';
import { type Message, fromParent, spawnNode, toParent } from '../bench/support/child.js';
import { buildDist } from '../bench/support/build.js';
import { flag, table } from '../bench/support/stats.js';
import { fuzzInput, prng } from '../spec/support/fuzz-inputs.js';
import { sendRaw } from '../spec/support/probe.js';

type Tally = Record<string, Record<string, number>>;

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

async function main(): Promise<void> {
  buildDist();
  const inputs = flag('inputs', 100_000);
  const warmup = flag('warmup', 10_000);
  const concurrency = flag('concurrency', 100);
  const seed = flag('seed', 1);
  const phases = flag('phases', 5);
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind: 'rxserve' })], { nodeArgs: ['--expose-gc'], fdLimit: 'max' });
  const fuzzer = spawnNode(fileURLToPath(import.meta.url), ['client']);
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    const memory = async (): Promise<{ rss: number; heap: number }> => {
      server.send({ type: 'memory' });
      const { rss, heapUsed } = await server.next<Message & { rss: number; heapUsed: number }>('memory');
      return { rss, heap: heapUsed };
    };
    const run = async (count: number, from: number): Promise<Message & { tally: Tally; ms: number }> => {
      fuzzer.send({ type: 'fuzz', port, count, seed: seed + from, concurrency });
      return fuzzer.next('done', 30 * 60_000);
    };
    await run(warmup, 0);
    const before = await memory();
    // In phases, with the memory after each: a leak climbs phase after phase, noise does not.
    const tally: Tally = {};
    const memoryRows: Array<Array<string | number>> = [['after the warm-up', warmup, mib(before.rss), mib(before.heap)]];
    let ms = 0;
    let after = before;
    for (let phase = 0, sent = 0; phase < phases; phase++) {
      const count = Math.round((inputs * (phase + 1)) / phases) - sent;
      const result = await run(count, warmup + sent);
      sent += count;
      ms += result.ms;
      for (const [kind, outcomes] of Object.entries(result.tally)) {
        const row = (tally[kind] ??= {});
        for (const [outcome, n] of Object.entries(outcomes)) row[outcome] = (row[outcome] ?? 0) + n;
      }
      after = await memory();
      memoryRows.push([`after phase ${phase + 1}`, warmup + sent, mib(after.rss), mib(after.heap)]);
    }
    server.send({ type: 'stats' });
    const { errors } = await server.next<Message & { errors: number }>('stats');
    const alive = server.process.exitCode === null;
    const hung = Object.values(tally).reduce((sum, outcomes) => sum + (outcomes.hung ?? 0), 0);
    const drift = (after.rss - before.rss) / before.rss;
    console.log(`\n### Fuzz: ${inputs} inputs (seed ${seed}, ${concurrency} at a time) after a ${warmup}-input warm-up, in ${(ms / 1000).toFixed(1)} s\n`);
    const outcomes = [...new Set(Object.values(tally).flatMap((o) => Object.keys(o)))].sort();
    console.log(table(['input', ...outcomes], Object.entries(tally).map(([kind, o]) => [kind, ...outcomes.map((k) => o[k] ?? 0)])));
    console.log('\nThe server\'s memory after a full GC:\n');
    console.log(table(['when', 'inputs so far', 'RSS (MiB)', 'JS heap used (MiB)'], memoryRows));
    console.log(
      `\nserver alive: ${alive ? 'yes' : 'NO'}; connections hung: ${hung}; client error events: ${errors}; ` +
        `RSS from the end of the warm-up to the end of the run: ${(drift * 100).toFixed(1)}% (limit 10%)`,
    );
    if (!alive || hung > 0 || Math.abs(drift) > 0.1) process.exitCode = 1;
  } finally {
    await Promise.all([server.kill(), fuzzer.kill()]);
  }
}

/** The fuzzer child: sends `count` seeded inputs, `concurrency` at a time, and tallies outcomes. */
function client(): void {
  fromParent((message) => {
    if (message.type !== 'fuzz') return;
    const { port, count, seed, concurrency } = message as Message & { port: number; count: number; seed: number; concurrency: number };
    const random = prng(seed);
    const start = performance.now();
    void lastValueFrom(
      from(Array.from({ length: count }, (_, i) => i)).pipe(
        mergeMap(async () => {
          const { kind, bytes } = fuzzInput(random);
          const outcome = await sendRaw(port, bytes, 5_000);
          const result = outcome.hung ? 'hung' : (outcome.statusLine?.slice(9, 12) ?? 'closed unanswered');
          return { kind, result };
        }, concurrency),
        reduce((tally: Tally, { kind, result }) => {
          const row = (tally[kind] ??= {});
          row[result] = (row[result] ?? 0) + 1;
          return tally;
        }, {}),
      ),
    ).then((tally) => toParent({ type: 'done', tally, ms: performance.now() - start }));
  });
}

if (process.argv[2] === 'client') client();
else await main();
