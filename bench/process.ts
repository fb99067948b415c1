// Child processes for the benchmarks: a server that prints its url, autocannon in its own
// process (so the load generator does not share the server's event loop).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);

/** A server process started from a bench script, with the url it printed first. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Lines the server printed after its url. */
  readonly lines: AsyncIterableIterator<string>;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx <script> ...args` and waits for the url it prints.
 *
 * @example
 * ```ts
 * const server = await startServer('bench/hello-server.ts', ['raw']);
 * ```
 */
export async function startServer(
  script: string,
  args: string[] = [],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${script} ${args.join(' ')} exited before printing its url`);
  return {
    url: first.value,
    child,
    lines,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** What one autocannon run measured. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  readonly errors: number;
  readonly non2xx: number;
}

/**
 * Runs autocannon against `url` in a separate process and returns its figures.
 *
 * @example
 * ```ts
 * const { requestsPerSecond } = await autocannon(server.url, { connections: 50, seconds: 5 });
 * ```
 */
export async function autocannon(url: string, options: { connections: number; seconds: number }): Promise<LoadResult> {
  const bin = require.resolve('autocannon/autocannon.js');
  const child = spawn(process.execPath, [bin, '-j', '-c', String(options.connections), '-d', String(options.seconds), url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const result = JSON.parse(output);
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/**
 * CPU time (user + system) a process has used so far, in ms, from `/proc` (Linux): a
 * measure of cost that other load on a shared machine disturbs far less than throughput.
 *
 * @example
 * ```ts
 * const before = cpuMs(server.child.pid!);
 * ```
 */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const CLOCK_TICKS = 100;
