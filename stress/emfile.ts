/**
 * Out of file descriptors (issue 7, item 9): a server under `ulimit -n 64` is flooded with
 * connections, cycle after cycle; it must not crash, and must serve again each time the
 * descriptors are freed.
 *
 *   node --import tsx stress/emfile.ts [--cycles=20] [--limit=64] [--flood=200]
 */
import { type Socket } from 'node:net';
import { start } from '../spec/support/child.js';
import { type Probe, probe } from '../spec/support/probe.js';
import { flag, table } from '../bench/support/stats.js';

const cycles = flag('cycles', 20);
const limit = flag('limit', 64);
const flood = flag('flood', 200);

const child = start('bash', ['-c', `ulimit -n ${limit} && exec "$@"`, 'bash', process.execPath, '--import', 'tsx', 'spec/fixtures/emfile-server.ts'], {});
const port = Number((await child.waitFor(/listening (\d+)/))[1]);
const rows: Array<Array<string | number>> = [];
let failures = 0;
for (let cycle = 0; cycle < cycles; cycle++) {
  // All at once: the accept queue holds more than the server can take.
  const results = await Promise.all(Array.from({ length: flood }, () => probe(port)));
  const held: Socket[] = results.flatMap((r) => (r.answered ? [r.socket] : []));
  const dropped = results.length - held.length;
  const alive = child.process.exitCode === null;
  for (const socket of held) socket.destroy();
  let again: Probe = { answered: false };
  let attempts = 0;
  while (!again.answered && attempts < limit) {
    attempts++;
    again = await probe(port);
  }
  if (again.answered) again.socket.destroy();
  if (!alive || !again.answered || dropped === 0) failures++;
  rows.push([cycle + 1, flood, held.length, dropped, alive ? 'yes' : 'NO', again.answered ? `yes (attempt ${attempts})` : 'NO']);
}
child.process.kill('SIGTERM');
const { code } = await child.exited();
const acceptErrors = child.output().match(/accept-error/g)?.length ?? 0;
console.log(`\n### EMFILE: ${cycles} cycles of ${flood} simultaneous connections against a server under ulimit -n ${limit}\n`);
console.log(table(['cycle', 'connections', 'answered', 'dropped unanswered', 'server alive', 'served again after freeing'], rows));
console.log(`\naccept error events reported by the server: ${acceptErrors}; exit code after SIGTERM: ${code}; ${child.output().match(/closed .*/)?.[0] ?? 'no closed event'}`);
if (failures > 0 || code !== 0) {
  console.log(`${failures} cycle(s) failed`);
  process.exitCode = 1;
}
