const N = Number(process.env.N ?? 1000);
import { Subject } from 'rxjs';
import { Agent, get } from 'node:http';
import { Session } from 'node:inspector/promises';
const { serve } = await import(process.env.DIST ?? '/work/main/dist/index.js');
const shutdown$ = new Subject();
let port, t0, t1;
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 10 });
await new Promise((resolve) => serve({ host: '127.0.0.1', port: 0, shutdown$, handler: () => ({ body: 'x' }) }).subscribe((e) => {
  if (e.type === 'listening') { port = e.address.port; resolve(); }
  if (e.type === 'closed') { t1 = performance.now(); }
}));
const agent = new Agent({ keepAlive: true, maxSockets: N });
await Promise.all(Array.from({ length: N }, () => new Promise((r) => get({ port, host: '127.0.0.1', agent }, (res) => { res.resume(); res.on('end', r); }))));
await new Promise((r) => setTimeout(r, 200));
await session.post('Profiler.start');
t0 = performance.now(); shutdown$.next();
const { profile } = await session.post('Profiler.stop');
console.log('drain', (t1 - t0).toFixed(2), 'ms');
// self time by function within the profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas; 
profile.samples.forEach((id, i) => { const n = byId.get(id); const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0)); });
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log('profiled', (total / 1000).toFixed(2), 'ms');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / 1000).toFixed(2).padStart(6), k);
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const hits = new Map();
profile.samples.forEach((id, i) => { const n = byId.get(id); if (!n.callFrame.functionName.includes(process.env.FN ?? 'OperatorSubscriber')) return; let chain = []; let p = parent.get(id); for (let k = 0; k < 8 && p; k++) { const pn = byId.get(p); chain.push(`${pn.callFrame.functionName || 'anon'}@${pn.callFrame.url.split('/').slice(-1)[0]}:${pn.callFrame.lineNumber}`); p = parent.get(p); } const key = chain.join(' < '); hits.set(key, (hits.get(key) ?? 0) + (dt[i] ?? 0)); });
for (const [k, v] of [...hits].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log((v / 1000).toFixed(2), k);
agent.destroy();
process.exit(0);
