/**
 * Instructions per request (per message for the WebSocket echo), counted by valgrind
 * (callgrind) in the server's main thread:
 * a figure the shared host's noise does not move the way it moves CPU time (a pinned run's
 * CPU per request swung ±15 % between runs an hour apart, node:http's own included). The
 * kernel's share (the socket writes) is not counted, nor V8's helper threads (the parallel
 * scavenger, the compilers), so it says what each server's JavaScript and node's C++ do.
 * Still not exact: when a scavenge runs depends on allocation, and which functions V8 has
 * optimized by the count's start depends on timing (h2c's count has levels a few percent
 * apart; the long warm-up settles it more often): compare each side's least over the runs.
 *
 * HTTP/1.1 and h2c also count the raw peer in a process that has loaded rxjs, unused: as
 * much code as rxserve's process has, for which V8 optimizes node's own code differently
 * (bench/profile.md); the target is against the bare peer all the same.
 *
 *   node --import tsx bench/instructions.ts [--runs=3] [--requests=4000] [--warmup=20000]
 *
 * Needs valgrind (Debian: apt-get install valgrind) and, for h2c, h2load (nghttp2-client);
 * says so and skips what it cannot run. A run takes ~40 s a server (valgrind runs node ~50
 * times slower).
 */
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildDist } from './support/build.js';
import { recordFigure } from './support/figures.js';
import { root } from './support/child.js';
import { AUTOCANNON, startPrinting } from './support/pinned.js';
import { environment, fixed, flag, table } from './support/stats.js';

const run = promisify(execFile);
const runs = flag('runs', 3);
const requests = flag('requests', 4000);
const warmup = flag('warmup', 20000);

interface Side {
  readonly name: string;
  readonly server: readonly string[];
}

interface Protocol {
  readonly title: string;
  /** The summary's figure and target (rxserve against the first side). */
  readonly figure: string;
  readonly target: number;
  readonly tool: string;
  readonly sides: readonly Side[];
  load(url: string, count: number): Promise<unknown>;
}

/**
 * The raw peer and rxserve, each a kind of one bench/support server script, and with
 * `loaded` the peer again in a process that has loaded rxjs (the script's `<kind>+rxjs`).
 */
function sidesOf(script: string, peer: { name: string; kind: string }, { loaded }: { loaded: boolean }): Side[] {
  return [
    { name: peer.name, server: [script, peer.kind] },
    { name: 'rxserve', server: [script, 'rxserve'] },
    ...(loaded ? [{ name: `${peer.name}, rxjs loaded`, server: [script, `${peer.kind}+rxjs`] }] : []),
  ];
}

const PROTOCOLS: readonly Protocol[] = [
  {
    title: 'HTTP/1.1 hello (autocannon -c 10)',
    figure: 'HTTP/1.1 hello, instructions per request (valgrind)',
    target: 1.03,
    tool: 'valgrind',
    sides: sidesOf('bench/support/hello-server.ts', { name: 'node:http', kind: 'node' }, { loaded: true }),
    load: (url, count) => run(process.execPath, [AUTOCANNON, '-c', '10', '-a', String(count), url]),
  },
  {
    title: 'h2c hello (h2load -c 10 -m 10)',
    figure: 'h2c hello, instructions per request (valgrind)',
    target: 1.05,
    tool: 'h2load',
    sides: sidesOf('bench/support/h2-server.ts', { name: 'node:http2', kind: 'raw' }, { loaded: true }),
    load: (url, count) => run('h2load', ['-c', '10', '-m', '10', '-t', '1', '-n', String(count), url]),
  },
  {
    title: 'WebSocket echo (50 clients ping-ponging 64 B), per message',
    figure: 'WebSocket echo, instructions per message (valgrind)',
    target: 1.03,
    tool: 'valgrind',
    sides: sidesOf('bench/support/ws-echo-server.ts', { name: 'bare ws', kind: 'ws' }, { loaded: false }),
    load: (url, count) => run(process.execPath, [`${root}bench/support/ws-echo-load.mjs`, url.replace(/^http/, 'ws'), '50', '0', String(count)]),
  },
];

function installed(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The server under callgrind, instrumentation off until the warm-up is done. */
function startCounted(side: Side, folder: string): Promise<{ url: string; child: ChildProcess }> {
  const args = ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${folder}/out`, `--log-file=${folder}/valgrind.log`];
  return startPrinting(`${side.name} under valgrind`, 'valgrind', [...args, process.execPath, '--import', 'tsx', ...side.server]);
}

/** Main-thread instructions per request of one server: warm-up, then `requests` counted. */
async function count(protocol: Protocol, side: Side): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'rxserve-callgrind-'));
  const { url, child } = await startCounted(side, folder);
  try {
    await protocol.load(url, warmup);
    await run('callgrind_control', ['-i', 'on', String(child.pid)]);
    await protocol.load(url, requests);
    await run('callgrind_control', ['-d', String(child.pid)]);
    // The dump of thread 1 (the main thread) is `out.1-01`.
    const dump = readdirSync(folder).find((name) => name === 'out.1-01');
    if (!dump) throw new Error(`callgrind wrote no dump of ${side.name}'s main thread`);
    const totals = /^totals: (\d+)/m.exec(readFileSync(join(folder, dump), 'utf8'));
    if (!totals) throw new Error(`cannot read callgrind's totals for ${side.name}`);
    return Number(totals[1]) / requests;
  } finally {
    child.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
  }
}

if (!installed('valgrind')) {
  console.log('\nvalgrind is not installed (apt-get install valgrind): instruction counts skipped');
} else {
  buildDist();
  for (const protocol of PROTOCOLS) {
    if (!installed(protocol.tool)) {
      console.log(`\n${protocol.tool} is not installed: ${protocol.title} skipped`);
      continue;
    }
    const counted = new Map(protocol.sides.map((side) => [side.name, [] as number[]]));
    for (let round = 0; round < runs; round++) {
      // Alternating which goes first, as the pinned benches do.
      const order = round % 2 === 0 ? protocol.sides : [...protocol.sides].reverse();
      for (const side of order) counted.get(side.name)!.push(await count(protocol, side));
    }
    const least = (side: Side): number => Math.min(...counted.get(side.name)!);
    const base = least(protocol.sides[0]!);
    console.log(`\n### Main-thread instructions per request, ${protocol.title} (${environment()}; ${runs} runs of ${requests} after ${warmup})\n`);
    console.log(
      table(
        ['server', 'least (thousands)', `x ${protocol.sides[0]!.name}`, 'each run (thousands)'],
        protocol.sides.map((side) => [
          side.name,
          fixed(least(side) / 1000, 1),
          fixed(least(side) / base, 3),
          counted.get(side.name)!.map((n) => fixed(n / 1000, 1)).join(' '),
        ]),
      ),
    );
    const rxserve = protocol.sides.find((side) => side.name === 'rxserve')!;
    const ratio = least(rxserve) / base;
    recordFigure({
      figure: protocol.figure,
      rxserve: `${fixed(least(rxserve) / 1000, 1)} k`,
      peer: `${protocol.sides[0]!.name} ${fixed(base / 1000, 1)} k`,
      ratio,
      target: `≤ ${fixed(protocol.target, 2)}`,
      met: ratio <= protocol.target,
    });
  }
}
