// Hello-world throughput over h2c: rxserve (protocol: 'http2') against raw node:http2, in
// the same run, alternating rounds (A B, then B A, ...) so drift on a shared machine falls
// on both alike. The load comes from h2load (Debian: apt-get install nghttp2-client).
//
//   node --import tsx bench/h2.ts        (ROUNDS=4 SECONDS=3 CLIENTS=10 STREAMS=10)
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const rounds = Number(process.env['ROUNDS'] ?? 4);
const seconds = Number(process.env['SECONDS'] ?? 3);
const clients = Number(process.env['CLIENTS'] ?? 10);
const streams = Number(process.env['STREAMS'] ?? 10);
const kinds = ['raw', 'rxserve'] as const;

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

async function startServer(kind: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/support/h2-server.ts', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [url] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Runs h2load for `duration` seconds and reads its requests per second. */
async function h2load(url: string, duration: number): Promise<{ rps: number; failed: number; command: string }> {
  const args = ['-c', String(clients), '-m', String(streams), '-t', '1', '-D', String(duration), url];
  const { stdout } = await promisify(execFile)('h2load', args).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new Error('h2load is not installed: apt-get install -y nghttp2-client');
  });
  const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(stdout)?.[1]);
  const failed = Number(/(\d+) failed/.exec(stdout)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`Cannot read h2load's output:\n${stdout}`);
  return { rps, failed, command: `h2load ${args.slice(0, -1).join(' ')} <url>` };
}

const servers = Object.fromEntries(await Promise.all(kinds.map(async (kind) => [kind, await startServer(kind)] as const)));
const figures: Record<string, number[]> = { raw: [], rxserve: [] };
let command = '';
try {
  for (const kind of kinds) await h2load(servers[kind]!.url, 1); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const result = await h2load(servers[kind]!.url, seconds);
      if (result.failed > 0) throw new Error(`${kind}: ${result.failed} requests failed`);
      command = result.command;
      figures[kind]!.push(result.rps);
      console.log(`round ${round + 1} ${kind.padEnd(7)} ${result.rps.toFixed(0)} req/s`);
    }
  }
} finally {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const raw = median(figures['raw']!);
const rx = median(figures['rxserve']!);
console.log(`\n${command}; median over ${rounds} rounds of ${seconds}s:`);
console.log(`raw node:http2  ${raw.toFixed(0)} req/s`);
console.log(`rxserve         ${rx.toFixed(0)} req/s  (ratio ${(rx / raw).toFixed(2)}, ${((rx / raw - 1) * 100).toFixed(1)}% vs raw)`);
