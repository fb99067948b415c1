const N = Number(process.env.N ?? 10);
import { Subject } from 'rxjs';
import { Agent, get } from 'node:http';
const { serve } = await import('/work/orig/dist/index.js');
async function once(label) {
  const shutdown$ = new Subject();
  let port, t1, marks = [];
  const t = () => performance.now();
  await new Promise((resolve) => serve({ host: '127.0.0.1', port: 0, shutdown$, handler: () => ({ body: 'x' }) }).subscribe((e) => {
    if (e.type === 'listening') { port = e.address.port; resolve(); }
    marks.push([e.type, t()]);
    if (e.type === 'closed') { t1 = t(); }
  }));
  const agent = new Agent({ keepAlive: true, maxSockets: N });
  await Promise.all(Array.from({ length: N }, () => new Promise((r) => get({ port, host: '127.0.0.1', agent }, (res) => { res.resume(); res.on('end', r); }))));
  await new Promise((r) => setTimeout(r, 100));
  marks = []; globalThis.__marks = [];
  const t0 = t(); shutdown$.next(); const tSync = t();
  console.log(label, JSON.stringify(globalThis.__marks.map(([k,v])=>k+":"+v.toFixed(3))), 'closed', (t1 - t0).toFixed(3), 'sync', (tSync - t0).toFixed(3), marks.map(([k, v]) => `${k}@${(v - t0).toFixed(3)}`).join(' '));
  agent.destroy();
  await new Promise((r) => setTimeout(r, 100));
}
await once('cold');
await once('warm');
