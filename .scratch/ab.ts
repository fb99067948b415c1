import { comparePinned } from '../bench/support/pinned.js';
const r = await comparePinned([
  { name: 'node', args: ['--import', 'tsx', 'bench/support/hello-server.ts', 'node'] },
  { name: 'adopted', args: ['--import', 'tsx', 'bench/support/hello-server.ts', 'adopted'] },
], { windows: 6, seconds: 3 });
for (const c of r) console.log(c.name, c.windows.map((w) => `${(w.requests / w.seconds).toFixed(0)}@${(w.cpu / w.requests).toFixed(2)}`).join(' '));
