import { request } from 'node:http';
import { statSync, existsSync } from 'node:fs';
import { Subject } from 'rxjs';
import { serve } from '../lib/index.js';
const stop = new Subject<void>();
serve({ path: '/tmp/sa/x.sock', pathMode: 0o660, handler: () => ({ body: 'hi' }), shutdown$: stop }).subscribe({
  next: (e) => {
    console.log(JSON.stringify(e));
    if (e.type === 'listening') {
      console.log((statSync('/tmp/sa/x.sock').mode & 0o777).toString(8));
      request({ socketPath: '/tmp/sa/x.sock', path: '/' }, (res) => { res.resume(); console.log(res.statusCode, res.headers.connection); stop.next(); }).end();
    }
    if (e.type === 'closed') setImmediate(() => console.log('exists after', existsSync('/tmp/sa/x.sock'), process.getActiveResourcesInfo()));
  },
  error: (e) => console.log('ERR', e.message),
});
