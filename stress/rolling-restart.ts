/**
 * Rolling restarts behind real proxies (issue 15, item 2): 3 instances behind HAProxy or
 * nginx, keep-alive clients sending GETs and POSTs through the proxy that never retry, and
 * each instance in turn SIGTERMed, drained, started again and waited for, for `--seconds`
 * a run. rxserve's production demo against a node:http server doing close() +
 * closeIdleConnections(), under the same load, restarts and proxy settings.
 *
 *   node --import tsx stress/rolling-restart.ts [--runs=3] [--seconds=20] [--drain-delay=1000]
 *
 * Prints, per proxy setting and server, the failed requests of each run (a failure is any
 * answer but a 2xx, or an error; the clients never retry) and the requests sent.
 */
import { type InstanceKind, rollingRestartFor, startFleet, startLoad } from '../spec/support/fleet.js';
import { type ProxySettings, missing, startHaproxy, startNginx } from '../spec/support/proxy.js';
import { flag, table } from '../bench/support/stats.js';

interface Scenario {
  readonly proxy: 'haproxy' | 'nginx';
  readonly setting: string;
  readonly nginx?: ProxySettings;
  /** rxserve's idleGrace for this setting (the baseline has none). */
  readonly idleGrace: number;
}

const runs = flag('runs', 3);
const seconds = flag('seconds', 20);
const drainDelay = flag('drain-delay', 1000);
const scenarios: Scenario[] = [
  { proxy: 'haproxy', setting: 'httpchk /readyz, inter 200ms fall 1 rise 1, retries 3, redispatch, http-reuse safe', idleGrace: 0 },
  { proxy: 'nginx', setting: "nginx's defaults: max_fails=1 fail_timeout=10s, keepalive 16, keepalive_timeout 60s", idleGrace: 0 },
  {
    proxy: 'nginx',
    setting: 'docs/deployment.md: max_fails=0, keepalive 64, keepalive_timeout 1s; rxserve idleGrace 1500',
    nginx: { maxFails: 0, keepalive: 64, keepaliveTimeout: '1s' },
    idleGrace: 1500,
  },
];
const kinds: InstanceKind[] = ['rxserve', 'node:http'];

const rows: Array<Array<string | number>> = [];
for (const scenario of scenarios) {
  const reason = missing(scenario.proxy);
  if (reason) {
    console.log(`skipped ${scenario.proxy}: ${reason}`);
    continue;
  }
  for (const kind of kinds) {
    const failed: number[] = [];
    const sent: number[] = [];
    const kindsOfFailure = new Map<string, number>();
    for (let run = 0; run < runs; run++) {
      const fleet = await startFleet(kind, 3, { drainDelay, idleGrace: scenario.idleGrace });
      const proxy = scenario.proxy === 'nginx' ? await startNginx(fleet.ports, scenario.nginx) : await startHaproxy(fleet.ports);
      try {
        const load = startLoad(proxy.url);
        await rollingRestartFor(fleet, proxy, seconds * 1000);
        const outcome = await load.stop();
        failed.push(outcome.failures.length);
        sent.push(outcome.gets + outcome.posts);
        for (const failure of outcome.failures) kindsOfFailure.set(failure, (kindsOfFailure.get(failure) ?? 0) + 1);
        const unclean = fleet.exits.filter((exit) => exit.code !== 0);
        if (unclean.length > 0) console.log(`${kind} behind ${scenario.proxy}: ${unclean.length} instance(s) exited with a code other than 0`);
      } finally {
        await proxy.stop();
        await fleet.stop();
      }
      console.log(`${scenario.proxy} (${scenario.setting}), ${kind}, run ${run + 1}: ${failed.at(-1)} failed of ${sent.at(-1)}`);
    }
    rows.push([
      scenario.proxy,
      scenario.setting,
      kind,
      failed.join(', '),
      [...kindsOfFailure].map(([what, count]) => `${count} ${what}`).join(', ') || '—',
      sent.map((n) => `${Math.round(n / 1000)}k`).join(', '),
    ]);
  }
}
console.log(`\n### Rolling restarts behind a proxy: 3 instances, drainDelay ${drainDelay} ms, ${runs} runs of ${seconds} s, 16 keep-alive clients (GET, POST), no retries\n`);
console.log(table(['proxy', 'setting', 'server', 'failed requests, each run', 'failures', 'requests, each run'], rows));
