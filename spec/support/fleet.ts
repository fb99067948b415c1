import { once } from 'node:events';
import { Pool } from 'undici';
import { type Child, start } from './child.js';
import type { Proxy } from './proxy.js';
import { freePort } from './free-port.js';

/** What runs behind the proxy: the production demo, or the node:http baseline. */
export type InstanceKind = 'rxserve' | 'node:http';

/** Instances behind a proxy, each on a port of its own that a restart binds again. */
export interface Fleet {
  readonly kind: InstanceKind;
  readonly ports: readonly number[];
  /** Each instance's exit code and output, for every instance that has exited. */
  readonly exits: Array<{ index: number; code: number | null; output: string }>;
  /** SIGTERM instance `index`, wait for it to exit, start it again and wait until it listens. */
  restart(index: number): Promise<void>;
  /** Stops every instance still running (SIGKILL). */
  stop(): Promise<void>;
}

/** Settings of each instance. */
export interface InstanceSettings {
  /** rxserve's `drainDelay` (ms). */
  readonly drainDelay: number;
  /** rxserve's `idleGrace` (ms); default 0. */
  readonly idleGrace?: number;
  readonly deadline?: number;
}

/** Starts `count` instances of `kind` on free ports of 127.0.0.1 and waits until each listens. */
export async function startFleet(kind: InstanceKind, count: number, settings: InstanceSettings): Promise<Fleet> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const running: Array<Child | undefined> = [];
  const exits: Fleet['exits'] = [];
  const launch = async (index: number): Promise<void> => {
    const script = kind === 'rxserve' ? 'demos/production.ts' : 'spec/fixtures/node-http-baseline.ts';
    const child = start(process.execPath, ['--import', 'tsx', script], {
      PORT: String(ports[index]),
      DRAIN_DELAY: String(settings.drainDelay),
      DEADLINE: String(settings.deadline ?? 10_000),
      IDLE_GRACE: String(settings.idleGrace ?? 0),
    });
    running[index] = child;
    await child.waitFor(/listening on/);
  };
  await Promise.all(ports.map((_, i) => launch(i)));
  return {
    kind,
    ports,
    exits,
    async restart(index) {
      const child = running[index]!;
      child.process.kill('SIGTERM');
      const { code } = await child.exited();
      exits.push({ index, code, output: child.output() });
      await launch(index);
    },
    async stop() {
      await Promise.all(
        running.map(async (child) => {
          if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
          child.process.kill('SIGKILL');
          await once(child.process, 'exit');
        }),
      );
    },
  };
}

/** What the clients saw: each request answered 2xx, or why not. */
export interface LoadOutcome {
  readonly ok: number;
  readonly gets: number;
  readonly posts: number;
  /** Each failed request: method, and the status or the error. */
  readonly failures: string[];
}

/**
 * Keep-alive clients through `url` that never retry: `workers` loops, each sending a GET,
 * then a POST with a small body, then again, over a pool of `connections` (undici). With
 * `fresh`, each request goes on a connection of its own (`Connection: close`), so that
 * connects keep arriving. Runs until the returned `stop()`.
 */
export function startLoad(url: string, { workers = 16, connections = 16, fresh = false } = {}): { stop(): Promise<LoadOutcome> } {
  const pool = new Pool(url, { connections, pipelining: 1 });
  let running = true;
  const outcome = { ok: 0, gets: 0, posts: 0, failures: [] as string[] };
  const worker = async (id: number): Promise<void> => {
    for (let n = 0; running; n++) {
      const method = n % 2 === 0 ? 'GET' : 'POST';
      if (method === 'GET') outcome.gets++;
      else outcome.posts++;
      try {
        const res = await pool.request({ method, path: `/?worker=${id}&n=${n}`, body: method === 'POST' ? JSON.stringify({ id, n, pad: 'x'.repeat(200) }) : undefined, reset: fresh });
        await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) outcome.ok++;
        else outcome.failures.push(`${method} ${res.statusCode}`);
      } catch (error) {
        outcome.failures.push(`${method} ${(error as Error & { code?: string }).code ?? (error as Error).message}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
  return {
    async stop() {
      running = false;
      await done;
      await pool.close();
      return outcome;
    },
  };
}

/**
 * A rolling restart as a user runs one: for each instance in turn, SIGTERM, wait for it to
 * drain and exit, start it again, wait until it listens and the proxy sees it up; `loops`
 * times over the fleet.
 */
export async function rollingRestart(fleet: Fleet, proxy: Proxy, loops: number): Promise<void> {
  for (let loop = 0; loop < loops; loop++) {
    for (let index = 0; index < fleet.ports.length; index++) await restartOne(fleet, proxy, index);
  }
}

/** {@link rollingRestart} over and over, until `ms` have passed (the restart under way finishes). */
export async function rollingRestartFor(fleet: Fleet, proxy: Proxy, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let index = 0; Date.now() < end; index = (index + 1) % fleet.ports.length) await restartOne(fleet, proxy, index);
}

async function restartOne(fleet: Fleet, proxy: Proxy, index: number): Promise<void> {
  await fleet.restart(index);
  await proxy.upstreamUp(index);
}
