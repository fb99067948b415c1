const N = Number(process.env.N ?? 10);
import { Subject } from 'rxjs';
import { Agent, get } from 'node:http';
const { serve } = await import('/work/orig/dist/index.js');
async function once(label) {
  const shutdown$ = new Subject();
  let port;
  let t0, t1;
  const done = new Promise((resolve) => serve({ host: '127.0.0.1', port: 0, shutdown$, handler: () => ({ body: 'x' }) }).subscribe((e) => {
    if (e.type === 'listening') { port = e.address.port; resolve(); }
    if (e.type === 'closed') { t1 = performance.now(); }
  }));
  await done;
  const agent = new Agent({ keepAlive: true, maxSockets: N });
  await Promise.all(Array.from({ length: N }, () => new Promise((r) => get({ port, host: '127.0.0.1', agent }, (res) => { res.resume(); res.on('end', r); }))));
  await new Promise((r) => setTimeout(r, 100));
  t0 = performance.now(); shutdown$.next();
  console.log(label, (t1 - t0).toFixed(2), 'ms');
  agent.destroy();
  await new Promise((r) => setTimeout(r, 100));
}
await once('cold');
await once('warm');
await once('warm');
