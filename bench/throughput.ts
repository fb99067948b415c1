// Hello-world throughput of rxserve against raw node:http, same run, alternating rounds
// (A B, then B A, ...) so drift on a shared machine falls on both alike. Each round also
// measures the server's CPU time per request, which other load disturbs far less.
//
//   node --import tsx bench/throughput.ts            (ROUNDS=10 SECONDS=3 CONNECTIONS=50)
import { autocannon, cpuMs, startServer } from './process.js';

const rounds = Number(process.env['ROUNDS'] ?? 10);
const seconds = Number(process.env['SECONDS'] ?? 3);
const connections = Number(process.env['CONNECTIONS'] ?? 50);

const kinds = ['raw', 'rxserve'] as const;
type Kind = (typeof kinds)[number];
const servers = Object.fromEntries(
  await Promise.all(kinds.map(async (kind) => [kind, await startServer('bench/hello-server.ts', [kind])] as const)),
);
const throughput: Record<Kind, number[]> = { raw: [], rxserve: [] };
const cpuPerRequest: Record<Kind, number[]> = { raw: [], rxserve: [] };
const ratios: number[] = [];

try {
  for (const kind of kinds) await autocannon(servers[kind]!.url, { connections, seconds: 2 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const { child, url } = servers[kind]!;
      const before = cpuMs(child.pid!);
      const result = await autocannon(url, { connections, seconds });
      const micros = ((cpuMs(child.pid!) - before) * 1000) / result.requests;
      if (result.errors > 0 || result.non2xx > 0) throw new Error(`${kind}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      throughput[kind].push(result.requestsPerSecond);
      cpuPerRequest[kind].push(micros);
      console.log(
        `round ${String(round + 1).padStart(2)} ${kind.padEnd(7)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s` +
          `  ${micros.toFixed(1).padStart(5)} µs CPU/req  p50 ${result.latencyP50} ms  p99 ${result.latencyP99} ms`,
      );
    }
    ratios.push(throughput.rxserve[round]! / throughput.raw[round]!);
  }
} finally {
  await Promise.all(Object.values(servers).map((server) => server.stop()));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percent = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
console.log(`\n${rounds} rounds of ${seconds} s, ${connections} connections, autocannon in its own process:`);
for (const kind of kinds) {
  console.log(`${kind.padEnd(8)} median ${median(throughput[kind]).toFixed(0)} req/s, ${median(cpuPerRequest[kind]).toFixed(1)} µs CPU/req`);
}
console.log(`rxserve vs raw, median of the per-round ratios: throughput ${percent(median(ratios))}`);
console.log(`rxserve vs raw, CPU per request: ${percent(median(cpuPerRequest.rxserve) / median(cpuPerRequest.raw))}`);
