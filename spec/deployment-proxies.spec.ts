import { expect } from 'chai';
import { type Fleet, rollingRestart, startFleet, startLoad } from './support/fleet.js';
import { type Proxy, missing, startHaproxy, startNginx } from './support/proxy.js';

/**
 * A rolling restart behind a real proxy, the short version of stress/rolling-restart.ts:
 * 3 instances of demos/production.ts, keep-alive clients sending GETs and POSTs through the
 * proxy that never retry, each instance SIGTERMed, drained, started again and waited for,
 * once each. The settings are docs/deployment.md's; the figures against node:http are in
 * bench/RESULTS.md.
 */
describe('rolling restarts behind a real proxy (nginx, HAProxy; child processes)', function () {
  this.timeout(60_000);
  let fleet: Fleet | undefined;
  let proxy: Proxy | undefined;

  afterEach(async () => {
    await proxy?.stop();
    await fleet?.stop();
    proxy = fleet = undefined;
  });

  async function restartUnderLoad(): Promise<void> {
    const load = startLoad(proxy!.url);
    await rollingRestart(fleet!, proxy!, 1);
    const outcome = await load.stop();
    // Refused connects are the retried ones (nginx passes them to the next instance): the
    // other lines say why a request failed.
    const telling = proxy!.log().split('\n').filter((line) => !line.includes('connect() failed'));
    expect(outcome.failures, `failed requests; ${proxy!.name} log:\n${telling.slice(-30).join('\n')}`).to.deep.equal([]);
    expect(outcome.posts, 'POSTs sent through the restarts').to.be.greaterThan(100);
    expect(fleet!.exits.map((exit) => exit.code), 'each instance drained and exited 0').to.deep.equal([0, 0, 0]);
    for (const exit of fleet!.exits) expect(exit.output).to.match(/closed \(graceful: true, drained: \d+, forced: 0\)/);
  }

  it('fails no request behind HAProxy, which health-checks /readyz and stops sending during drainDelay', async function () {
    const reason = missing('haproxy');
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    fleet = await startFleet('rxserve', 3, { drainDelay: 500 });
    proxy = await startHaproxy(fleet.ports);
    await restartUnderLoad();
  });

  it('fails no request behind open-source nginx, which sees no readiness, with the settings of docs/deployment.md', async function () {
    const reason = missing('nginx');
    if (reason) {
      console.log(`      (skipped: ${reason})`);
      this.skip();
    }
    // nginx closes an idle upstream connection (1 s) before rxserve would (idleGrace 1.5 s);
    // a pool larger than the load's concurrency (64 > 16) opens no connection but new ones.
    fleet = await startFleet('rxserve', 3, { drainDelay: 1_000, idleGrace: 1_500 });
    proxy = await startNginx(fleet.ports, { maxFails: 0, keepalive: 64, keepaliveTimeout: '1s' });
    await restartUnderLoad();
  });
});
