import { startFleet, startLoad, rollingRestart } from '../spec/support/fleet.js';
import { startNginx, startHaproxy } from '../spec/support/proxy.js';
const [proxyName = 'nginx', kind = 'rxserve', loops = '3', drain = '1000'] = process.argv.slice(2);
const fleet = await startFleet(kind as 'rxserve', 3, { drainDelay: Number(drain), idleGrace: Number(process.env.IDLE_GRACE ?? 0) });
const proxy = proxyName === 'nginx' ? await startNginx(fleet.ports, { maxFails: Number(process.env.MAX_FAILS ?? 1), keepaliveTimeout: process.env.KA ?? '60s', keepalive: Number(process.env.POOL ?? 16), failTimeout: process.env.FT ?? '10s' }) : await startHaproxy(fleet.ports);
const started = Date.now();
try {
  const load = startLoad(proxy.url);
  await new Promise((r) => setTimeout(r, 500));
  await rollingRestart(fleet, proxy, Number(loops));
  const outcome = await load.stop();
  const counts: Record<string, number> = {};
  for (const f of outcome.failures) counts[f] = (counts[f] ?? 0) + 1;
  console.log(proxyName, kind, `${(Date.now() - started) / 1000}s`, 'ok', outcome.ok, 'gets', outcome.gets, 'posts', outcome.posts, 'failed', outcome.failures.length, JSON.stringify(counts), 'exits', fleet.exits.map((e) => e.code).join(','));
} finally {
  await proxy.stop();
  await fleet.stop();
  if (process.env.LOG) (await import('node:fs')).writeFileSync('/tmp/proxy.log', proxy.log());
}
