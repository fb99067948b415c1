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
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Child, start } from '../spec/support/child.js';
import { type LoadOutcome, startLoad } from '../spec/support/fleet.js';
import { freePort } from '../spec/support/proxy.js';
import { flag, table } from '../bench/support/stats.js';

const runs = flag('runs', 3);
const restarts = flag('restarts', 10);
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const hasReusePort = major > 22 || (major === 22 && minor >= 12);
const migrate = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();

/** Runs `restart` `restarts` times under both loads; what the clients saw. */
async function underLoad(url: string, restart: () => Promise<void>): Promise<LoadOutcome[]> {
  const loads = [startLoad(url), startLoad(url, { workers: 4, connections: 4, fresh: true })];
  for (let i = 0; i < restarts; i++) await restart();
  return Promise.all(loads.map((load) => load.stop()));
}

async function heldSocket(): Promise<LoadOutcome[]> {
  const address = `127.0.0.1:${await freePort()}`;
  const supervisor = start('systemd-socket-activate', ['--listen', address, process.execPath, '--import', 'tsx', 'demos/zero-downtime.ts'], { DRAIN_DELAY: '300', DEADLINE: '5000' });
  try {
    await supervisor.waitFor(/Listening on .* as 3/);
    await fetch(`http://${address}/`).then((res) => res.text());
    const [, pid] = await supervisor.waitFor(/supervisor (\d+): server/);
    let done = 0;
    return await underLoad(`http://${address}`, async () => {
      process.kill(Number(pid), 'SIGHUP');
      await supervisor.waitFor(new RegExp(`(replaced by \\d+[^]*){${++done}}`));
    });
  } finally {
    supervisor.process.kill('SIGTERM');
    await supervisor.exited();
  }
}

async function reusePort(kind: 'rxserve' | 'node:http'): Promise<LoadOutcome[]> {
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

const scenarios: Array<[string, () => Promise<LoadOutcome[]>]> = [];
try {
  execFileSync('systemd-socket-activate', ['--version'], { stdio: 'ignore' });
  scenarios.push(['held socket (demos/zero-downtime.ts)', heldSocket]);
} catch {
  console.log('skipped the held socket: systemd-socket-activate is not installed (Debian package systemd)');
}
if (hasReusePort) {
  scenarios.push([`reusePort, rxserve (tcp_migrate_req ${migrate})`, () => reusePort('rxserve')]);
  scenarios.push([`reusePort, node:http (tcp_migrate_req ${migrate})`, () => reusePort('node:http')]);
} else console.log(`skipped reusePort: Node ${process.versions.node} has none (22.12 and later)`);

const rows: Array<Array<string | number>> = [];
for (const [name, scenario] of scenarios) {
  const failed: string[] = [];
  const kinds = new Map<string, number>();
  let sent = 0;
  for (let run = 0; run < runs; run++) {
    const [kept, fresh] = await scenario();
    failed.push(`${kept!.failures.length} + ${fresh!.failures.length}`);
    sent += kept!.gets + kept!.posts + fresh!.gets + fresh!.posts;
    for (const failure of [...kept!.failures, ...fresh!.failures]) kinds.set(failure, (kinds.get(failure) ?? 0) + 1);
    console.log(`${name}, run ${run + 1}: ${failed.at(-1)} failed (keep-alive + new connections)`);
  }
  rows.push([name, failed.join(', '), [...kinds].map(([what, count]) => `${count} ${what}`).join(', ') || '—', `${Math.round(sent / runs / 1000)}k`]);
}
console.log(`\n### One process restarted ${restarts} times a run, ${runs} runs, Node ${process.versions.node}: 16 keep-alive clients + 4 opening a connection a request, no retries\n`);
console.log(table(['restart', 'failed requests, each run (keep-alive + new connections)', 'failures', 'requests a run'], rows));
