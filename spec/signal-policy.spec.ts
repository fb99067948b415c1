import { expect } from 'chai';
import { once } from 'node:events';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { type Child, start } from './support/child.js';

/** Starts demos/production.ts; resolves with it and its url once it listens. */
async function production(env: Record<string, string>, ipc = false): Promise<{ child: Child; url: string }> {
  const child = start(process.execPath, ['--import', 'tsx', 'demos/production.ts'], { PORT: '0', ...env }, false, ipc);
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
  return { child, url: url! };
}

/** Starts a request to /slow and resolves once the server has it in its handler. */
async function slowRequest(child: Child, url: string, ms: number): Promise<ClientRequest> {
  const req = request(`${url}/slow?ms=${ms}`);
  req.end();
  await child.waitFor(new RegExp(`slow request for ${ms} ms`));
  return req;
}

/**
 * What the child still held when its event loop emptied, as it printed on `beforeExit`
 * (which process.exit() skips: printing it at all means the process ended by itself).
 * Its stdout and stderr pipes are left out: they are handles that never hold a process.
 */
function leftOpen(child: Child): string[] {
  const [, resources] = child.output().match(/exiting by itself, active resources: (\[.*\])/) ?? [];
  expect(resources, 'the process exited by itself').to.be.a('string');
  return (JSON.parse(resources!) as string[]).filter((resource) => resource !== 'PipeWrap');
}

describe('signal policy (child processes running demos/production.ts)', function () {
  // Starting node with the tsx loader takes a second or two on a loaded 2-core machine.
  this.timeout(30_000);
  let child: Child | undefined;

  afterEach(() => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    child = undefined;
  });

  for (const first of ['SIGTERM', 'SIGINT'] as const) {
    const repeat = first === 'SIGTERM' ? ', a repeated SIGTERM does not force it' : '';
    it(`drains on a first ${first}${repeat}: the request in flight finishes, and the process exits 0 by itself`, async () => {
      const started = await production({ DRAIN_DELAY: '0', DEADLINE: '20000' });
      child = started.child;
      // The handler answers after 300 ms: the signal lands while it is in flight.
      const req = await slowRequest(child, started.url, 300);
      const response = once(req, 'response') as Promise<[IncomingMessage]>;
      child.process.kill(first);
      await child.waitFor(/shutdown: accepts stopped, 1 connection/);
      // A process manager repeating itself, or a cluster primary forwarding it.
      if (first === 'SIGTERM') child.process.kill('SIGTERM');
      const [res] = await response;
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      await once(res, 'end');
      expect([res.statusCode, body, res.headers.connection]).to.deep.equal([200, 'slept 300 ms\n', 'close']);
      const { code, signal } = await child.exited();
      expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
      expect(child.output()).to.contain('closed (graceful: true, drained: 1, forced: 0)');
      expect(leftOpen(child), 'nothing was left open').to.deep.equal([]);
    });
  }

  it('forces on a second SIGINT without waiting for the deadline, and exits 1 by itself', async () => {
    const started = await production({ DRAIN_DELAY: '0', DEADLINE: '60000' });
    child = started.child;
    const req = await slowRequest(child, started.url, 60_000);
    const failed = once(req, 'error') as Promise<[NodeJS.ErrnoException]>;
    child.process.kill('SIGTERM');
    await child.waitFor(/shutdown: accepts stopped/);
    const forcedAt = Date.now();
    child.process.kill('SIGINT');
    const [error] = await failed;
    expect(error.code, 'the request was cut').to.equal('ECONNRESET');
    const { code, signal } = await child.exited();
    expect({ code, signal }).to.deep.equal({ code: 1, signal: null });
    expect(Date.now() - forcedAt, 'exits at once, not at the 60 s deadline').to.be.lessThan(10_000);
    expect(child.output()).to.match(/overdue \(forced\): http1 GET \/slow\?ms=60000 \(\d+ ms\)/);
    expect(child.output()).to.contain('closed (graceful: false, drained: 0, forced: 1)');
    expect(leftOpen(child), 'nothing was left open').to.deep.equal([]);
  });

  it("says ready and drains on pm2's `shutdown` message, then exits 0 by itself", async () => {
    const started = await production({ DRAIN_DELAY: '0' }, true);
    child = started.child;
    const [ready] = (await once(child.process, 'message')) as [unknown];
    expect(ready, "pm2's wait_ready").to.equal('ready');
    child.process.send('shutdown');
    const { code, signal } = await child.exited();
    expect({ code, signal }).to.deep.equal({ code: 0, signal: null });
    expect(child.output()).to.contain('closed (graceful: true, drained: 0, forced: 0)');
    expect(leftOpen(child), 'the IPC channel did not keep it alive').to.deep.equal([]);
  });
});
