import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { root } from './child.js';
import { fixed, median, table } from './stats.js';

const run = promisify(execFile);
/** autocannon's command line script. */
export const AUTOCANNON = `${root}node_modules/autocannon/autocannon.js`;
/** Clock ticks a second, as /proc/<pid>/stat counts CPU time (getconf CLK_TCK). */
const TICKS = 100;

/** One server of a comparison: a name, and the command that starts it (it prints its port first). */
export interface Contender {
  readonly name: string;
  readonly args: readonly string[];
}

/** What one window measured of one server. */
export interface Window {
  readonly requests: number;
  readonly seconds: number;
  /** The server process's CPU time over the window (user + system), in µs. */
  readonly cpu: number;
}

/** Each server's windows, and each side's least CPU per request and median req/s. */
export interface Comparison {
  readonly name: string;
  readonly windows: readonly Window[];
  /** µs of server CPU per request, the least over the windows (noise only adds). */
  readonly leastCpuPerRequest: number;
  readonly medianRps: number;
}

/** Sends load to `url` for `seconds` from core 1; resolves with the requests answered (all 2xx, or it throws). */
export type Load = (url: string, seconds: number) => Promise<{ requests: number }>;

/** What {@link comparePinned} runs: windows, their length, and the load (autocannon -c 50 by default). */
export interface PinnedOptions {
  readonly windows?: number;
  readonly seconds?: number;
  readonly warmup?: number;
  readonly load?: Load;
}

/**
 * Runs the servers side by side, the way a shared 2-core machine can still compare them:
 * every server up and warm for the whole run, pinned to core 0, the load pinned to core 1;
 * short windows alternating between the servers (A B B A ...); each server's CPU time read
 * from /proc/<pid>/stat around its windows.
 */
export async function comparePinned(contenders: readonly Contender[], { windows = 8, seconds = 3, warmup = 2, load = autocannon(50) }: PinnedOptions = {}): Promise<Comparison[]> {
  const servers = await Promise.all(contenders.map(startPinned));
  try {
    for (const server of servers) await load(server.url, warmup);
    const measured = servers.map(() => [] as Window[]);
    for (let round = 0; round < windows; round++) {
      // A B, then B A: each goes first as often, so a drift of the machine is shared.
      const order = round % 2 === 0 ? servers.map((_, i) => i) : servers.map((_, i) => servers.length - 1 - i);
      for (const i of order) {
        const server = servers[i]!;
        const before = cpuTime(server.child.pid!);
        const { requests } = await load(server.url, seconds);
        measured[i]!.push({ requests, seconds, cpu: cpuTime(server.child.pid!) - before });
      }
    }
    return contenders.map((contender, i) => ({
      name: contender.name,
      windows: measured[i]!,
      leastCpuPerRequest: Math.min(...measured[i]!.map((w) => w.cpu / w.requests)),
      medianRps: median(measured[i]!.map((w) => w.requests / w.seconds)),
    }));
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
  }
}

/**
 * A comparison as a table: each side's least CPU per unit and median rate, both also as a
 * ratio to the first side (`base` names it in the headers), and `target` beside the side
 * named `targetOf`.
 */
export function comparisonTable(
  sides: readonly Comparison[],
  { unit = 'request', rate = 'req/s', base, targetOf, target }: { unit?: string; rate?: string; base: string; targetOf: string; target: string },
): string {
  const first = sides[0]!;
  return table(
    ['server', `least CPU per ${unit} (µs)`, `x ${base}`, `median ${rate}`, `x ${base}`, 'target'],
    sides.map((side) => [
      side.name,
      fixed(side.leastCpuPerRequest, 2),
      fixed(side.leastCpuPerRequest / first.leastCpuPerRequest, 3),
      fixed(side.medianRps, 0),
      fixed(side.medianRps / first.medianRps, 3),
      side.name === targetOf ? target : '',
    ]),
  );
}

function startPinned(contender: Contender): Promise<{ url: string; child: ChildProcess }> {
  return startPrinting(contender.name, 'taskset', ['-c', '0', process.execPath, ...contender.args]);
}

/**
 * Starts a server that prints where it listens first (a port, or a url) and serves until
 * killed; resolves with its url and process.
 */
export async function startPrinting(name: string, command: string, args: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  if (first.done) throw new Error(`${name} exited before printing its port`);
  const line = String(first.value).trim();
  return { url: line.startsWith('http') ? line : `http://127.0.0.1:${line}/`, child };
}

/** HTTP/1.1 load: autocannon with `connections` keep-alive connections. */
export function autocannon(connections: number): Load {
  return async (url, seconds) => {
    const { stdout } = await run('taskset', ['-c', '1', process.execPath, AUTOCANNON, '-j', '-c', String(connections), '-d', String(seconds), url], {
      maxBuffer: 16 * 2 ** 20,
    });
    const result = JSON.parse(stdout) as { requests: { total: number }; errors: number; non2xx: number };
    if (result.errors + result.non2xx > 0) throw new Error(`${result.errors + result.non2xx} failed requests on ${url}`);
    return { requests: result.requests.total };
  };
}

/** h2c load (prior knowledge): h2load with `clients` connections of `streams` concurrent streams, one thread. */
export function h2load(clients: number, streams: number): Load {
  return async (url, seconds) => {
    const args = ['-c', '1', 'h2load', '-c', String(clients), '-m', String(streams), '-t', '1', '-D', String(seconds), url];
    const { stdout } = await run('taskset', args, { maxBuffer: 16 * 2 ** 20 }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      if (/h2load.*No such file|failed to execute/i.test(error.stderr ?? '')) throw new Error('h2load is not installed: apt-get install -y nghttp2-client');
      throw error;
    });
    const done = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
    // In duration mode the status counts include the streams still open at the end.
    const other = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
    if (!done || !other) throw new Error(`Cannot read h2load's output:\n${stdout}`);
    const [, , succeeded, failed, errored] = done.map(Number) as [number, number, number, number, number];
    const non2xx = other.slice(1).reduce((sum, n) => sum + Number(n), 0);
    if (failed + errored + non2xx > 0) throw new Error(`${failed + errored + non2xx} failed requests on ${url}`);
    return { requests: succeeded };
  };
}

/** The CPU time a process has used so far, user and system, in µs. */
function cpuTime(pid: number): number {
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS;
}
