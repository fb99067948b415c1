// WebSocket benchmark: the time rxserve takes to drain N idle WebSockets with 1001 Going
// Away, and the memory each idle WebSocket costs, against a bare `ws` server, same run.
//
//   npm run build && node --expose-gc --import tsx bench/websocket.ts [--count=10000]
//   (or `npm run bench:websocket`; RXSERVE_BENCH_SOURCE=lib measures lib/ through tsx instead)
//
// rxserve is measured as users get it, compiled (dist/): tsx's transform adds its own
// per-closure weight to lib/.
//
// Clients live in a child process (bench/support/websocket-clients.ts). Each side holds `count`
// sockets, so `ulimit -n` must exceed count + a margin: raise it in the shell first
// (`ulimit -n 65536`); the script says so and stops when it is too low.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { Subject, firstValueFrom, filter } from 'rxjs';
import { WebSocketServer } from 'ws';
import type * as Rxserve from '../lib/index.js';
import type { ClientsReport } from './support/websocket-clients.js';
import { recordFigure } from './support/figures.js';
import { fixed, flag } from './support/stats.js';

const count = flag('count', 10_000);
const source = process.env['RXSERVE_BENCH_SOURCE'] === 'lib' ? '../lib/index.js' : '../dist/index.js';
const { serve } = (await import(source)) as typeof Rxserve;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the header of this file)');
const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
if (fdLimit < count + 1000) {
  console.error(`ulimit -n is ${fdLimit}; ${count} connections need more than ${count + 1000}: run \`ulimit -n 65536\` first`);
  process.exit(1);
}

interface Memory {
  readonly heapAndExternal: number;
  readonly rss: number;
}

function memory(): Memory {
  for (let i = 0; i < 4; i++) gc!();
  const usage = process.memoryUsage();
  return { heapAndExternal: usage.heapUsed + usage.external, rss: usage.rss };
}

function perConnection(before: Memory, after: Memory): { heapAndExternal: number; rss: number } {
  return {
    heapAndExternal: Math.round((after.heapAndExternal - before.heapAndExternal) / count),
    rss: Math.round((after.rss - before.rss) / count),
  };
}

function clients(): ChildProcess {
  return fork(new URL('./support/websocket-clients.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
}

function report(child: ChildProcess, type: ClientsReport['type']): Promise<ClientsReport> {
  return new Promise((resolve) => {
    const onMessage = (message: ClientsReport): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

async function bareWs(): Promise<Record<string, unknown>> {
  const before = memory();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const { port } = wss.address() as { port: number };
  const child = clients();
  const opened = report(child, 'opened');
  child.send({ type: 'open', url: `ws://127.0.0.1:${port}`, count });
  const { ms: openMs } = (await opened) as Extract<ClientsReport, { type: 'opened' }>;
  const after = memory();
  // ws has no drain of its own: the loop users write, timed until every server-side close.
  const closed = report(child, 'closed');
  const start = performance.now();
  let left = wss.clients.size;
  const allClosed = new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.on('close', () => --left === 0 && resolve());
  });
  for (const ws of wss.clients) ws.close(1001, 'server going away');
  await allClosed;
  const drainMs = performance.now() - start;
  const { codes } = (await closed) as Extract<ClientsReport, { type: 'closed' }>;
  wss.close();
  child.kill();
  await once(child, 'exit');
  return { server: 'bare ws', openMs: Math.round(openMs), perConnection: perConnection(before, after), drainMs: Math.round(drainMs), codes };
}

async function rxserve(): Promise<Record<string, unknown>> {
  const before = memory();
  const shutdown$ = new Subject<void>();
  const events$ = new Subject<Rxserve.ServerEvent>();
  serve({ host: '127.0.0.1', handler: () => ({}), websocket: (messages$) => messages$, shutdown$, deadline: 60_000 }).subscribe(events$);
  const listening = await firstValueFrom(events$.pipe(filter((e) => e.type === 'listening')));
  if (listening.type !== 'listening') throw new Error('not listening');
  const child = clients();
  const opened = report(child, 'opened');
  child.send({ type: 'open', url: listening.url.replace('http', 'ws'), count });
  const { ms: openMs } = (await opened) as Extract<ClientsReport, { type: 'opened' }>;
  const after = memory();
  const closed = report(child, 'closed');
  const closedEvent = firstValueFrom(events$.pipe(filter((e) => e.type === 'closed')));
  const start = performance.now();
  shutdown$.next();
  const result = await closedEvent;
  const drainMs = performance.now() - start;
  const { codes } = (await closed) as Extract<ClientsReport, { type: 'closed' }>;
  child.kill();
  await once(child, 'exit');
  return { server: 'rxserve', openMs: Math.round(openMs), perConnection: perConnection(before, after), drainMs: Math.round(drainMs), closed: result, codes };
}

console.log(`${count} idle WebSockets, rxserve from ${source}, node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
const bare = await bareWs();
const ours = await rxserve();
console.log(JSON.stringify(bare));
console.log(JSON.stringify(ours));
const idle = (result: Record<string, unknown>): number => (result['perConnection'] as { heapAndExternal: number }).heapAndExternal;
recordFigure({
  figure: `idle WebSocket (${count}), heap + external per socket`,
  rxserve: `${fixed(idle(ours) / 1024, 2)} KiB`,
  peer: `bare ws ${fixed(idle(bare) / 1024, 2)} KiB`,
  ratio: `+${fixed((idle(ours) - idle(bare)) / 1024, 2)} KiB`,
  target: '≤ +1 KiB',
  met: idle(ours) - idle(bare) <= 1024,
});
