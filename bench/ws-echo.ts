/**
 * WebSocket echo: server CPU per message, rxserve (`websocket: (messages$) => messages$`)
 * against a bare `ws` server, the pinned way (bench/support/pinned.ts): both servers warm on
 * core 0, the clients on core 1 (50 WebSockets ping-ponging 64-byte messages), alternating
 * windows, each server's least CPU per message.
 *
 *   node --import tsx bench/ws-echo.ts [--windows=8] [--seconds=3] [--clients=50]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildDist } from './support/build.js';
import { root } from './support/child.js';
import { recordFigure } from './support/figures.js';
import { type Load, comparePinned, comparisonTable } from './support/pinned.js';
import { environment, fixed, flag } from './support/stats.js';

const run = promisify(execFile);
buildDist();
const windows = flag('windows', 8);
const seconds = flag('seconds', 3);
const clients = flag('clients', 50);
const echo: Load = async (url, duration) => {
  const ws = url.replace(/^http/, 'ws');
  const { stdout } = await run('taskset', ['-c', '1', process.execPath, `${root}bench/support/ws-echo-load.mjs`, ws, String(clients), String(duration)]);
  return JSON.parse(stdout) as { requests: number };
};
const server = (kind: string): string[] => ['--import', 'tsx', 'bench/support/ws-echo-server.ts', kind];
const [bare, rxserve] = await comparePinned(
  [
    { name: 'bare ws', args: server('ws') },
    { name: 'rxserve', args: server('rxserve') },
  ],
  { windows, seconds, load: echo },
);
const cpu = rxserve!.leastCpuPerRequest / bare!.leastCpuPerRequest;
console.log(`\n### WebSocket echo (${environment()}; ${windows} windows of ${seconds} s, ${clients} clients ping-ponging 64 B, pinned)\n`);
console.log(comparisonTable([bare!, rxserve!], { unit: 'message', rate: 'messages/s', base: 'bare ws', targetOf: 'rxserve', target: 'CPU ≤ 1.03' }));
recordFigure({ figure: 'WebSocket echo, CPU per message (least)', rxserve: `${fixed(rxserve!.leastCpuPerRequest, 2)} µs`, peer: `bare ws ${fixed(bare!.leastCpuPerRequest, 2)} µs`, ratio: cpu, target: '≤ 1.03', met: cpu <= 1.03 });
