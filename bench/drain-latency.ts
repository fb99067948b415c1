/**
 * Drain latency (issue 7, item 2): time from the shutdown signal to the server saying it has
 * closed, measured inside the server's process.
 *
 * - idle: 1,000 and 10,000 idle keep-alive connections (each answered once);
 * - in flight: 20 requests of 500 ms, shutdown 100 ms after they began; a server that
 *   closes each connection after its response says `closed` about 400 ms in, one that
 *   waits for keepAliveTimeout much later (capped at --cap ms, reported as "> cap").
 *
 *   node --import tsx bench/drain-latency.ts [--rounds=5] [--flight-rounds=3] [--cap=10000] [--sizes=10,1000,10000] [--kinds=node,rxserve] [--short]
 *
 * `--sizes=10` measures the fixed cost of a shutdown, apart from the cost per connection;
 * `--server-flags=--no-lazy` passes node flags to the servers (comma-separated).
 *
 * Servers and clients are separate child processes, fresh for each measure; the order of
 * the servers rotates from round to round; tables give the median of the rounds.
 */
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Message, fromParent, spawnNode, toParent } from './support/child.js';
import { buildDist } from './support/build.js';
import type { ServerKind } from './support/server.js';
import { recordFigure } from './support/figures.js';
import { environment, fixed, flag, has, median, rotate, sleep, table } from './support/stats.js';

const KINDS: readonly ServerKind[] = ['node', 'rxserve', 'http-terminator', 'stoppable', 'fastify'];
const LABEL: Record<ServerKind, string> = {
  node: 'node close() + closeIdleConnections()',
  rxserve: 'rxserve',
  'http-terminator': 'http-terminator terminate()',
  stoppable: 'stoppable stop()',
  fastify: 'fastify close()',
};

/** ms until the server says closed, and until every socket has emitted 'close'. */
interface Drained {
  readonly ms: number;
  readonly socketsClosedMs: number;
}

export async function idle(kind: ServerKind, connections: number): Promise<Drained> {
  const nodeArgs = list('server-flags') ?? [];
  // The server on core 0, its clients on core 1: neither takes time from the other.
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind, trackSockets: true })], { fdLimit: 'max', nodeArgs, cpu: 0 });
  const clients = spawnNode('bench/support/idle-clients.ts', [], { fdLimit: 'max', cpu: 1 });
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    clients.send({ type: 'open', port, connections });
    const { open } = await clients.next<Message & { open: number }>('ready');
    if (open !== connections) throw new Error(`only ${open} of ${connections} connections open`);
    await sleep(200); // let both processes settle after the connection storm
    server.send({ type: 'shutdown' });
    const { ms, socketsClosedMs } = await server.next<Message & Drained>('closed');
    await clients.next('allClosed');
    return { ms, socketsClosedMs };
  } finally {
    await Promise.all([server.kill(), clients.kill()]);
  }
}

async function inFlight(kind: ServerKind, cap: number): Promise<{ ms: number; statuses: string }> {
  const server = spawnNode('bench/support/server.ts', [JSON.stringify({ kind, delay: 500, notifyBegun: true, deadline: 3 * cap })]);
  const client = spawnNode(fileURLToPath(import.meta.url), ['in-flight-client']);
  try {
    const { port } = await server.next<Message & { port: number }>('listening');
    client.send({ type: 'send', port, requests: 20 });
    for (let begun = 0; begun < 20; ) begun = (await server.next<Message & { count: number }>('begun')).count;
    await sleep(100);
    server.send({ type: 'shutdown' });
    const closed = await server.next<Message & { ms: number }>('closed', cap).catch(() => ({ ms: Number.POSITIVE_INFINITY }));
    const { statuses } = await client.next<Message & { statuses: string }>('answered');
    return { ms: closed.ms, statuses };
  } finally {
    await Promise.all([server.kill(), client.kill()]);
  }
}

/** The in-flight client: `requests` keep-alive GETs at once, each on its own connection. */
function inFlightClient(): void {
  fromParent(async (message) => {
    if (message.type !== 'send') return;
    const agent = new Agent({ keepAlive: true });
    const statuses = await Promise.all(
      Array.from(
        { length: message.requests as number },
        () =>
          new Promise<string>((resolve) => {
            const req = request({ host: '127.0.0.1', port: message.port as number, agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(String(res.statusCode)));
            });
            req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
            req.end();
          }),
      ),
    );
    const counts = new Map<string, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    toParent({ type: 'answered', statuses: [...counts].map(([status, n]) => `${n}x ${status}`).join(', ') });
  });
}

/** Reads `--name=a,b,c` from argv. */
function list(name: string): string[] | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
}

async function main(): Promise<void> {
  buildDist();
  const short = has('short');
  const rounds = flag('rounds', short ? 3 : 5);
  const cap = flag('cap', 10_000);
  const sizes = list('sizes')?.map(Number) ?? (short ? [10, 1_000] : [10, 1_000, 10_000]);
  const kinds = (list('kinds') as ServerKind[] | undefined) ?? KINDS;
  console.log(`\n### Drain latency (${environment()}; ${rounds} rounds: median, and least, noise only adds)\n`);
  const idleRows: Array<Array<string | number>> = [];
  for (const connections of sizes) {
    const samples = new Map<ServerKind, Drained[]>(kinds.map((kind) => [kind, []]));
    for (let round = 0; round < rounds; round++) {
      for (const kind of rotate(kinds, round)) samples.get(kind)!.push(await idle(kind, connections));
    }
    const node = median(samples.get('node')!.map((s) => s.ms));
    const nodeLeast = Math.min(...samples.get('node')!.map((s) => s.ms));
    const nodeSockets = median(samples.get('node')!.map((s) => s.socketsClosedMs));
    for (const kind of kinds) {
      const ms = median(samples.get(kind)!.map((s) => s.ms));
      const least = Math.min(...samples.get(kind)!.map((s) => s.ms));
      const socketsMs = median(samples.get(kind)!.map((s) => s.socketsClosedMs));
      idleRows.push([
        `${connections} idle`,
        LABEL[kind],
        fixed(ms),
        fixed((ms * 1000) / connections),
        fixed(ms / node, 2),
        fixed(least),
        fixed(least / nodeLeast, 2),
        fixed(socketsMs),
        fixed(socketsMs / nodeSockets, 2),
        samples.get(kind)!.map((x) => fixed(x.ms)).join(' '),
      ]);
    }
    if (samples.has('rxserve')) {
      const rx = median(samples.get('rxserve')!.map((s) => s.ms));
      const both = `${fixed(rx)} ms`;
      if (connections <= 10) {
        recordFigure({ figure: `drain, ${connections} idle connections (fixed cost), median`, rxserve: both, peer: `node close() ${fixed(node)} ms`, ratio: rx / node, target: '< 1.0 ms', met: rx < 1 });
      } else {
        recordFigure({ figure: `drain, ${connections} idle connections, median`, rxserve: both, peer: `node close() ${fixed(node)} ms`, ratio: rx / node, target: '≤ 1.00', met: rx <= node });
      }
    }
  }
  console.log(
    table(
      ['connections', 'server', 'says closed after, median (ms)', 'µs per connection', 'x node', 'least (ms)', 'x node', "every socket emitted 'close' (ms)", 'x node', 'rounds (ms)'],
      idleRows,
    ),
  );
  console.log(
    "\nnode's close() (and the libraries built on it) calls back once the last socket is destroyed; so does rxserve's `closed` for the idle sockets it destroys (it counts a socket closed once destroyed); the second pair of columns is the time until every socket has also emitted 'close'.",
  );

  const flightRounds = flag('flight-rounds', short ? 1 : Math.min(rounds, 3));
  const flight = new Map<ServerKind, Array<{ ms: number; statuses: string }>>(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < flightRounds; round++) {
    for (const kind of rotate(kinds, round)) flight.get(kind)!.push(await inFlight(kind, cap));
  }
  if (flightRounds === 0) return;
  const rxFlight = flight.has('rxserve') ? median(flight.get('rxserve')!.map((r) => r.ms)) : NaN;
  const nodeFlight = flight.has('node') ? median(flight.get('node')!.map((r) => r.ms)) : NaN;
  // The slowest response ends 400 ms after the shutdown (500 ms, begun 100 ms before it).
  if (Number.isFinite(rxFlight)) {
    recordFigure({ figure: 'in-flight drain: 20 × 500 ms, shutdown at 100 ms, closed after', rxserve: `${fixed(rxFlight)} ms`, peer: `node ${Number.isFinite(nodeFlight) ? fixed(nodeFlight) : `> ${cap}`} ms`, ratio: `+${fixed(rxFlight - 400)} ms over the slowest`, target: '≤ +20 ms', met: rxFlight <= 420 });
  }
  console.log(`\n20 requests of 500 ms in flight, shutdown 100 ms after they began (${flightRounds} round(s), median; cap ${cap} ms):\n`);
  console.log(
    table(
      ['server', 'closed after shutdown (ms)', 'rounds (ms)', 'client saw'],
      kinds.map((kind) => {
        const results = flight.get(kind)!;
        const ms = median(results.map((r) => r.ms));
        return [LABEL[kind], Number.isFinite(ms) ? fixed(ms) : `> ${cap}`, results.map((r) => (Number.isFinite(r.ms) ? fixed(r.ms) : `>${cap}`)).join(' '), results[0]!.statuses];
      }),
    ),
  );
}

if (process.argv[2] === 'in-flight-client') inFlightClient();
else if (import.meta.url === `file://${process.argv[1]}`) await main();
