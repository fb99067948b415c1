/**
 * A zero-downtime restart of one process, without node:cluster (issue 15, item 4), two ways,
 * under the same load: 16 keep-alive clients and 4 clients opening a connection a request
 * (GET, POST; no retries), `--restarts` restarts a run:
 *
 * - held socket: demos/zero-downtime.ts under systemd-socket-activate; SIGHUP starts a new
 *   server on the inherited socket, then the old one drains. The socket never closes.
 * - reusePort (Node >= 22.12): a new process listens on the same port with SO_REUSEPORT,
 *   then the old one gets SIGTERM, for rxserve (an adopted server, drainDelay 300) and for
 *   node:http (close() + closeIdleConnections()). The kernel resets the connections still
 *   queued on a listening socket that closes (unless net.ipv4.tcp_migrate_req is 1).
 *
 *   node --import tsx stress/one-process-restart.ts [--runs=3] [--restarts=10]
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Child, start } from '../spec/support/child.js';
import { type LoadOutcome, startLoad } from '../spec/support/fleet.js';
import { freePort } from '../spec/support/free-port.js';
import { socketActivate, socketActivateMissing } from '../spec/support/socket-activate.js';
import { flag, table } from '../bench/support/stats.js';

const runs = flag('runs', 3);
const restarts = flag('restarts', 10);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const hasReusePort = major > 22 || (major === 22 && minor >= 12);
const migrate = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();

/**
 * Runs `restart` `restarts` times under both loads; what the clients saw, and the longest
 * stall of this process's event loop meanwhile (the host pausing this VM shows here: every
 * process stops, and each server's timers all fire at once when it resumes).
 */
async function underLoad(url: string, restart: () => Promise<void>): Promise<[LoadOutcome, LoadOutcome, number]> {
  const stall = monitorEventLoopDelay({ resolution: 20 });
  stall.enable();
  const loads = [startLoad(url), startLoad(url, { workers: 4, connections: 4, fresh: true })];
  for (let i = 0; i < restarts; i++) await restart();
  const [kept, fresh] = await Promise.all(loads.map((load) => load.stop()));
  stall.disable();
  return [kept!, fresh!, stall.max / 1e6];
}

async function heldSocket(): ReturnType<typeof underLoad> {
  const address = `127.0.0.1:${await freePort()}`;
  const supervisor = socketActivate(address, 'demos/zero-downtime.ts', { DRAIN_DELAY: '300', DEADLINE: '5000' });
  try {
    await supervisor.waitFor(/Listening on .* as 3/);
    await fetch(`http://${address}/`).then((res) => res.text());
    const [, pid, first] = await supervisor.waitFor(/supervisor (\d+): server (\d+) listening/);
    let serving = first!;
    return await underLoad(`http://${address}`, async () => {
      process.kill(Number(pid), 'SIGHUP');
      [, serving] = (await supervisor.waitFor(new RegExp(`server ${serving} \\(exit \\d+\\) replaced by (\\d+)`))) as [string, string];
    });
  } finally {
    supervisor.process.kill('SIGTERM');
    await supervisor.exited();
  }
}

async function reusePort(kind: 'rxserve' | 'node:http'): ReturnType<typeof underLoad> {
  const port = await freePort();
  const launch = async (): Promise<Child> => {
    const child = start(process.execPath, ['--import', 'tsx', 'spec/fixtures/reuse-port.ts'], { KIND: kind, PORT: String(port), DRAIN_DELAY: '300' });
    await child.waitFor(/listening on/);
    return child;
  };
  let current = await launch();
  try {
    return await underLoad(`http://127.0.0.1:${port}`, async () => {
      const fresh = await launch();
      current.process.kill('SIGTERM');
      await current.exited();
      current = fresh;
    });
  } finally {
    current.process.kill('SIGTERM');
    await current.exited();
  }
}

const scenarios: Array<[string, () => ReturnType<typeof underLoad>]> = [];
const missing = socketActivateMissing();
if (missing) console.log(`skipped the held socket: ${missing}`);
else scenarios.push(['held socket (demos/zero-downtime.ts)', heldSocket]);
if (hasReusePort) {
  scenarios.push([`reusePort, rxserve (tcp_migrate_req ${migrate})`, () => reusePort('rxserve')]);
  scenarios.push([`reusePort, node:http (tcp_migrate_req ${migrate})`, () => reusePort('node:http')]);
} else console.log(`skipped reusePort: Node ${process.versions.node} has none (22.12 and later)`);

const rows: Array<Array<string | number>> = [];
for (const [name, scenario] of scenarios) {
  const failed: string[] = [];
  const stalls: number[] = [];
  const kinds = new Map<string, number>();
  let sent = 0;
  for (let run = 0; run < runs; run++) {
    const [kept, fresh, stall] = await scenario();
    failed.push(`${kept.failures.length} + ${fresh.failures.length}`);
    stalls.push(Math.round(stall));
    sent += kept.gets + kept.posts + fresh.gets + fresh.posts;
    for (const failure of [...kept.failures, ...fresh.failures]) kinds.set(failure, (kinds.get(failure) ?? 0) + 1);
    console.log(`${name}, run ${run + 1}: ${failed.at(-1)} failed (keep-alive + new connections); longest stall ${stalls.at(-1)} ms`);
  }
  rows.push([name, failed.join(', '), [...kinds].map(([what, count]) => `${count} ${what}`).join(', ') || '—', `${Math.round(sent / runs / 1000)}k`, stalls.join(', ')]);
}
console.log(`\n### One process restarted ${restarts} times a run, ${runs} runs, Node ${process.versions.node}: 16 keep-alive clients + 4 opening a connection a request, no retries\n`);
console.log(table(['restart', 'failed requests, each run (keep-alive + new connections)', 'failures', 'requests a run', 'longest stall of the load process, each run (ms)'], rows));
