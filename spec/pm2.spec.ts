import { expect } from 'chai';
import { startLoad } from './support/fleet.js';
import { pm2Home } from './support/pm2.js';
import { freePort } from './support/free-port.js';

/** How many times `pattern` (global) occurs in `text`. */
const occurrences = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

// pm2 itself (the devDependency), with a PM2_HOME of the test's own, runs
// demos/ecosystem.config.cjs: cluster mode, 2 instances, wait_ready, listen_timeout,
// kill_timeout. The demo prints what its shutdown$ emitted, so the specs read what pm2 sent.
describe('pm2 (cluster mode, demos/ecosystem.config.cjs)', function () {
  this.timeout(60_000);

  // shutdown_with_message: true, so one daemon shows both ways pm2 stops a worker: the
  // 'shutdown' message (pm2 stop) and its default signal SIGINT (pm2 reload, always).
  it('pm2 reload under a keep-alive load fails no request: each old worker gets SIGINT, drains and exits 0; pm2 stop sends the message', async () => {
    const port = await freePort();
    const pm2 = pm2Home();
    try {
      await pm2.command(['start', 'demos/ecosystem.config.cjs'], { PORT: String(port), DRAIN_DELAY: '300', DEADLINE: '5000', SHUTDOWN_WITH_MESSAGE: 'true' });
      // With wait_ready, `pm2 start` returns once each worker has sent 'ready'.
      expect(occurrences(pm2.appOutput(), /listening on/g)).to.equal(2);

      const load = startLoad(`http://127.0.0.1:${port}`);
      await pm2.command(['reload', 'rxserve-demo']);
      const outcome = await load.stop();

      const output = pm2.appOutput();
      expect(outcome.failures, output).to.deep.equal([]);
      expect(outcome.ok).to.be.greaterThan(100);
      expect(occurrences(output, /listening on/g)).to.equal(4);
      // During a reload the outgoing worker is parked under a pm_id that is not a number,
      // and pm2 sends the 'shutdown' message only to a numbered one: SIGINT.
      expect(occurrences(output, /shutdown\$ emitted: SIGINT/g)).to.equal(2);
      expect(occurrences(output, /shutdown\$ emitted: shutdown/g)).to.equal(0);
      expect(occurrences(output, /closed \(graceful: true, drained: \d+, forced: 0\)/g)).to.equal(2);
      const reloaded = await pm2.logged(/exited with code \[/g, 2);
      expect(occurrences(reloaded, /exited with code \[0\]/g), `${reloaded}\n${output}`).to.equal(2);

      await pm2.command(['stop', 'rxserve-demo']);
      const stopped = pm2.appOutput();
      expect(occurrences(stopped, /shutdown\$ emitted: shutdown/g)).to.equal(2);
      expect(occurrences(stopped, /closed \(graceful: true/g)).to.equal(4);
      const exited = await pm2.logged(/exited with code \[/g, 4);
      expect(occurrences(exited, /exited with code \[0\]/g), `${exited}\n${stopped}`).to.equal(4);
    } finally {
      await pm2.stop();
    }
  });
});
