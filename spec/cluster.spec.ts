import { expect } from 'chai';
import { Agent } from 'node:http';
import { type Child, start } from './support/child.js';
import { get, signal as promiseToResolve } from './support/harness.js';

const WORKERS = 2;
const CLIENTS = 4;

describe('demos/cluster (node:cluster rolling restart, child processes)', function () {
  // A primary and four workers, each a node with the tsx loader: a few seconds.
  this.timeout(60_000);
  let child: Child | undefined;
  const agents: Agent[] = [];
  let loading = false;

  afterEach(() => {
    loading = false;
    agents.forEach((agent) => agent.destroy());
    agents.length = 0;
    // Killing the process group: the workers too.
    if (child && child.process.exitCode === null && child.process.signalCode === null) process.kill(-child.process.pid!, 'SIGKILL');
    child = undefined;
  });

  it('replaces every worker on SIGHUP with no failed request under a keep-alive load, then drains all on SIGTERM and exits 0', async () => {
    child = start(process.execPath, ['--import', 'tsx', 'demos/cluster.ts'], { WORKERS: String(WORKERS), PORT: '0', DRAIN_DELAY: '300', DEADLINE: '5000' }, true);
    await child.waitFor(new RegExp(`primary \\d+: ${WORKERS} workers listening`));
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);

    loading = true;
    const results = { ok: 0, failed: [] as string[], servedBy: new Map<string, number>() };
    const warmedUp = promiseToResolve();
    const client = async (): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      while (loading) {
        try {
          const res = await get(url!, { agent });
          const [, pid] = res.body.match(/Hello from (\d+)/) ?? [];
          if (res.status !== 200 || !pid) throw new Error(`status ${res.status}: ${res.body}`);
          results.ok++;
          results.servedBy.set(pid, (results.servedBy.get(pid) ?? 0) + 1);
          if (results.ok === CLIENTS * 10) warmedUp.resolve();
        } catch (error) {
          results.failed.push((error as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));

    await warmedUp.promise;
    const before = [...child.output().matchAll(/listening on \S+ \(pid (\d+)\)/g)].map(([, pid]) => pid!);
    expect(before.length).to.equal(WORKERS);
    child.process.kill('SIGHUP');
    await child.waitFor(/primary: restart done/);
    const okDuringRestart = results.ok;
    loading = false;
    await load;

    const replaced = [...child.output().matchAll(/worker (\d+) replaced by (\d+)/g)].map(([, old, fresh]) => [old!, fresh!]);
    expect(replaced.map(([old]) => old).sort(), 'each worker replaced once').to.deep.equal(before.sort());
    const fresh = replaced.map(([, pid]) => pid!);
    expect(results.failed, 'failed requests').to.deep.equal([]);
    expect(fresh.some((pid) => results.servedBy.has(pid)), 'the new workers served the load').to.equal(true);

    child.process.kill('SIGTERM');
    const { code, signal } = await child.exited();
    expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
    const closedLines = child.output().match(/closed \(graceful: true/g) ?? [];
    expect(closedLines.length, 'every worker, old and new, closed gracefully').to.equal(WORKERS * 2);
    expect(child.output()).to.contain('primary: all workers exited\n');
    console.log(`      ${okDuringRestart} requests ok through the restart, 0 failed, served by ${results.servedBy.size} workers`);
  });
});
