import { expect } from 'chai';
import { startLoad } from './support/fleet.js';
import { freePort } from './support/free-port.js';
import { socketActivate, socketActivateMissing } from './support/socket-activate.js';

const occurrences = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

/** The supervisor running, its pid, where it listens, and the pid of the server it started. */
interface Running {
  readonly supervisor: ReturnType<typeof socketActivate>;
  readonly address: string;
  readonly pid: number;
  readonly server: string;
}

/**
 * Runs `spec` against the demo under socket activation once its first server serves (the
 * first connection starts the supervisor: it waits in the socket's queue meanwhile); the
 * supervisor is killed after, if still running.
 */
async function withSupervisor(spec: (running: Running) => Promise<void>): Promise<void> {
  const address = `127.0.0.1:${await freePort()}`;
  const supervisor = socketActivate(address, 'demos/zero-downtime.ts', { DRAIN_DELAY: '300', DEADLINE: '5000' });
  try {
    await supervisor.waitFor(/Listening on .* as 3/);
    expect((await fetch(`http://${address}/`)).status).to.equal(200);
    const [, pid, server] = (await supervisor.waitFor(/supervisor (\d+): server (\d+) listening on fd 3/)) as RegExpMatchArray;
    await spec({ supervisor, address, pid: Number(pid), server: server! });
  } finally {
    if (supervisor.process.exitCode === null) supervisor.process.kill('SIGKILL');
  }
}

// demos/zero-downtime.ts under systemd-socket-activate (which creates the listening socket
// and execs the supervisor with it, as systemd's socket unit does): SIGHUP starts a new
// server on the inherited socket and drains the old one, without node:cluster.
describe('zero-downtime restart of one process (demos/zero-downtime.ts)', function () {
  this.timeout(60_000);

  before(function () {
    const missing = socketActivateMissing();
    if (missing) {
      console.log(`      (skipped: ${missing})`);
      this.skip();
    }
  });

  it('three SIGHUPs under keep-alive and new-connection load: no request refused, reset or failed; each old server drains and exits 0', async () => {
    await withSupervisor(async ({ supervisor, address, pid, server }) => {
      let serving = server;
      const keepAlive = startLoad(`http://${address}`);
      const fresh = startLoad(`http://${address}`, { workers: 4, connections: 4, fresh: true });
      for (let restart = 1; restart <= 3; restart++) {
        process.kill(pid, 'SIGHUP');
        [, serving] = (await supervisor.waitFor(new RegExp(`server ${serving} \\(exit \\d+\\) replaced by (\\d+)`))) as [string, string];
      }
      const [kept, opened] = await Promise.all([keepAlive.stop(), fresh.stop()]);

      const output = supervisor.output();
      expect(kept.failures, output).to.deep.equal([]);
      expect(opened.failures, output).to.deep.equal([]);
      expect(kept.ok).to.be.greaterThan(100);
      expect(opened.ok, 'requests on connections of their own').to.be.greaterThan(20);
      expect(occurrences(output, /server \d+ \(exit 0\) replaced by \d+/g)).to.equal(3);
      expect(occurrences(output, /closed \(graceful: true, drained: \d+, forced: 0\)/g)).to.equal(3);

      process.kill(pid, 'SIGTERM');
      expect((await supervisor.exited()).code).to.equal(0);
      expect(supervisor.output()).to.match(/supervisor: server exited \(0\)/);
      expect(occurrences(supervisor.output(), /closed \(graceful: true/g)).to.equal(4);
    });
  });

  it('ends with exit code 1 when the server dies by itself, so that systemd restarts it', async () => {
    await withSupervisor(async ({ supervisor, server }) => {
      process.kill(Number(server), 'SIGKILL');
      expect((await supervisor.exited()).code).to.equal(1);
      expect(supervisor.output()).to.match(/supervisor: the server exited by itself \(1\)/);
    });
  });
});
