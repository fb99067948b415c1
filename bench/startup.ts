/**
 * Start-up (issue 16, item 4): process start to `listening` of an HTTP/1.1 hello-world
 * server, and its peak RSS, rxserve against node:http; each run a fresh process pinned to
 * core 0, the two alternating; the least of the runs (noise only adds). Target: within
 * 150 ms and 12 MiB of node:http.
 *
 *   node --import tsx bench/startup.ts [--runs=15]
 */
import { execFileSync } from 'node:child_process';
import { buildDist } from './support/build.js';
import { root } from './support/child.js';
import { recordFigure } from './support/figures.js';
import { environment, fixed, flag, median, table } from './support/stats.js';

buildDist();
const runs = flag('runs', 15);
const kinds = ['node', 'rxserve'] as const;
const samples = new Map(kinds.map((kind) => [kind, [] as Array<{ ms: number; maxRssKiB: number }>]));
for (let run = 0; run < runs; run++) {
  for (const kind of run % 2 === 0 ? kinds : [...kinds].reverse()) {
    const out = execFileSync('taskset', ['-c', '0', process.execPath, 'bench/support/hello-start.mjs', kind], { cwd: root, encoding: 'utf8' });
    samples.get(kind)!.push(JSON.parse(out) as { ms: number; maxRssKiB: number });
  }
}
const least = (kind: (typeof kinds)[number], key: 'ms' | 'maxRssKiB'): number => Math.min(...samples.get(kind)!.map((s) => s[key]));
console.log(`\n### Start-up: process start to listening, HTTP/1.1 hello (${environment()}; ${runs} runs each, pinned)\n`);
console.log(
  table(
    ['server', 'least ms to listening', 'median', 'vs node', 'least peak RSS (MiB)', 'vs node', 'target'],
    kinds.map((kind) => [
      kind === 'node' ? 'node:http' : 'rxserve',
      fixed(least(kind, 'ms')),
      fixed(median(samples.get(kind)!.map((s) => s.ms))),
      kind === 'node' ? '' : `+${fixed(least(kind, 'ms') - least('node', 'ms'))} ms`,
      fixed(least(kind, 'maxRssKiB') / 1024),
      kind === 'node' ? '' : `+${fixed((least(kind, 'maxRssKiB') - least('node', 'maxRssKiB')) / 1024)} MiB`,
      kind === 'node' ? '' : '≤ +150 ms, ≤ +12 MiB',
    ]),
  ),
);
const startMs = least('rxserve', 'ms') - least('node', 'ms');
const startRss = (least('rxserve', 'maxRssKiB') - least('node', 'maxRssKiB')) / 1024;
recordFigure({ figure: 'start-up: process start to listening (least)', rxserve: `${fixed(least('rxserve', 'ms'))} ms`, peer: `node:http ${fixed(least('node', 'ms'))} ms`, ratio: `+${fixed(startMs)} ms`, target: '≤ +150 ms', met: startMs <= 150 });
recordFigure({ figure: 'start-up: peak RSS (least)', rxserve: `${fixed(least('rxserve', 'maxRssKiB') / 1024)} MiB`, peer: `node:http ${fixed(least('node', 'maxRssKiB') / 1024)} MiB`, ratio: `+${fixed(startRss)} MiB`, target: '≤ +12 MiB', met: startRss <= 12 });
