// Hello-world throughput of rxserve against raw node:http, same run, alternating rounds
// (A B, then B A, ...) so drift on a shared machine falls on both alike.
//
//   node --import tsx bench/throughput.ts            (ROUNDS=6 SECONDS=5 CONNECTIONS=50)
import { autocannon, startServer } from './process.js';

const rounds = Number(process.env['ROUNDS'] ?? 6);
const seconds = Number(process.env['SECONDS'] ?? 5);
const connections = Number(process.env['CONNECTIONS'] ?? 50);

const kinds = ['raw', 'rxserve'] as const;
const servers = Object.fromEntries(
  await Promise.all(kinds.map(async (kind) => [kind, await startServer('bench/hello-server.ts', [kind])] as const)),
);
const figures: Record<string, number[]> = { raw: [], rxserve: [] };

try {
  for (const kind of kinds) await autocannon(servers[kind]!.url, { connections, seconds: 1 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const result = await autocannon(servers[kind]!.url, { connections, seconds });
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${kind}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      figures[kind]!.push(result.requestsPerSecond);
      console.log(`round ${round + 1} ${kind.padEnd(7)} ${result.requestsPerSecond.toFixed(0)} req/s  p50 ${result.latencyP50} ms  p99 ${result.latencyP99} ms`);
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
console.log(`\nmedian over ${rounds} rounds of ${seconds}s, ${connections} connections:`);
console.log(`raw node:http  ${raw.toFixed(0)} req/s`);
console.log(`rxserve        ${rx.toFixed(0)} req/s  (${((rx / raw - 1) * 100).toFixed(1)}% vs raw)`);
