// `npm run bench`: runs each benchmark in its own process, one after the other (they measure
// memory and throughput, so they must not share a process or overlap). Never part of `npm test`.
//
//   npm run bench                 every benchmark
//   npm run bench -- throughput   only those whose file name contains `throughput`
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const BENCHMARKS = ['bench/streaming.ts', 'bench/throughput.ts'];
const only = process.argv[2];

let failed = 0;
for (const file of BENCHMARKS.filter((name) => !only || name.includes(only))) {
  console.log(`\n# ${file}`);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  const [code] = await once(child, 'exit');
  if (code !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
