import { createServer } from 'node:http';
import { connect } from 'node:net';
import { Subject } from 'rxjs';
import { serve } from '../lib/index.js';
const s$ = new Subject<void>();
serve({ server: createServer((req, res) => res.end('in the grace')), idleGrace: 1000, deadline: 60000, port: 0, host: '127.0.0.1', shutdown$: s$ }).subscribe((e) => {
  if (e.type !== 'listening') return;
  const c = connect(e.address.port, '127.0.0.1'); let t = '';
  c.on('data', (d) => { t += d; if (t.includes('in the grace') && !t.includes('second')) { s$.next(); setTimeout(() => c.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n'), 10); t += '|second|'; } });
  c.on('close', () => console.log(JSON.stringify(t)));
  c.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
});
