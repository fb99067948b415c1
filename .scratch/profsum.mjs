import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2];
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const p = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map(); let total = 0;
p.samples.forEach((id, i) => { const n = byId.get(id); const dt = p.timeDeltas[i] ?? 0; total += dt; const url = n.callFrame.url; const k = `${n.callFrame.functionName || 'anon'} ${url.includes('/dist/') ? 'dist/' + url.split('/dist/')[1] : url.split('/').slice(-1)[0]}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + dt); });
const byFile = new Map();
for (const [k, v] of self) { const f = k.includes('dist/') ? 'rxserve dist' : k.includes('(idle)') ? 'idle' : k.includes('(program)') || k.includes('(garbage') ? k.split(' ')[0] : 'node/other'; byFile.set(f, (byFile.get(f) ?? 0) + v); }
console.log('total ms', (total / 1000).toFixed(0));
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1])) console.log(k.padEnd(20), (v / 1000).toFixed(0), ((v / total) * 100).toFixed(1) + '%');
for (const [k, v] of [...self].filter(([k]) => k.includes('dist/')).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log('  ', (v / 1000).toFixed(1), k);
