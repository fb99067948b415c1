/**
 * `pm2 reload` under a keep-alive load (issue 15, item 3): pm2 itself in cluster mode, 2
 * instances, demos/ecosystem.config.cjs; 16 keep-alive clients sending GETs and POSTs that
 * never retry, one reload after another. rxserve's production demo against a node:http
 * server doing close() + closeIdleConnections() on SIGINT, under the same ecosystem
 * settings (the same file with the script replaced).
 *
 *   node --import tsx stress/pm2-reload.ts [--reloads=6] [--drain-delay=1000]
 *
 * Prints the failed requests of each reload (any answer but a 2xx, or an error).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type InstanceKind, startLoad } from '../spec/support/fleet.js';
import { root } from '../spec/support/child.js';
import { pm2Home } from '../spec/support/pm2.js';
import { freePort } from '../spec/support/free-port.js';
import { flag, table } from '../bench/support/stats.js';

const reloads = flag('reloads', 6);
const drainDelay = flag('drain-delay', 1000);
const scripts: Record<InstanceKind, string> = {
  rxserve: join(root, 'demos/production.ts'),
  'node:http': join(root, 'spec/fixtures/node-http-baseline.ts'),
};

const rows: Array<Array<string | number>> = [];
for (const withMessage of [false, true]) {
  for (const kind of Object.keys(scripts) as InstanceKind[]) {
    const pm2 = pm2Home();
    const ecosystem = join(pm2.home, 'ecosystem.config.cjs');
    writeFileSync(
      ecosystem,
      `const { apps: [app] } = require(${JSON.stringify(join(root, 'demos/ecosystem.config.cjs'))});\n` +
        `module.exports = { apps: [{ ...app, script: ${JSON.stringify(scripts[kind])} }] };\n`,
    );
    const port = await freePort();
    const failed: number[] = [];
    const sent: number[] = [];
    const kindsOfFailure = new Map<string, number>();
    try {
      await pm2.command(['start', ecosystem], { PORT: String(port), DRAIN_DELAY: String(drainDelay), DEADLINE: '10000', SHUTDOWN_WITH_MESSAGE: String(withMessage) });
      for (let reload = 0; reload < reloads; reload++) {
        const load = startLoad(`http://127.0.0.1:${port}`);
        await pm2.command(['reload', 'rxserve-demo']);
        const outcome = await load.stop();
        failed.push(outcome.failures.length);
        sent.push(outcome.gets + outcome.posts);
        for (const failure of outcome.failures) kindsOfFailure.set(failure, (kindsOfFailure.get(failure) ?? 0) + 1);
        console.log(`${kind}, shutdown_with_message ${withMessage}, reload ${reload + 1}: ${failed.at(-1)} failed of ${sent.at(-1)}`);
      }
      const unclean = pm2.log().match(/exited with code \[[1-9]\d*\]/g)?.length ?? 0;
      if (unclean > 0) console.log(`${kind}: ${unclean} worker(s) exited with a code other than 0`);
    } finally {
      await pm2.stop();
    }
    rows.push([kind, String(withMessage), failed.join(', '), [...kindsOfFailure].map(([what, count]) => `${count} ${what}`).join(', ') || '—', sent.join(', ')]);
  }
}
console.log(`\n### pm2 reload: cluster mode, 2 instances, drainDelay ${drainDelay} ms, ${reloads} reloads, 16 keep-alive clients (GET, POST), no retries\n`);
console.log(table(['server', 'shutdown_with_message', 'failed requests, each reload', 'failures', 'requests, each reload'], rows));
