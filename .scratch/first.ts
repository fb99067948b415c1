import { exitOnClose, serve, shutdownSignals } from '../lib/index.js';

serve({
  port: 3000,
  handler: (req) => ({ body: `Hello ${req.url}!` }),
  shutdown$: shutdownSignals(),
  deadline: 10_000,
})
  .pipe(exitOnClose())
  .subscribe((event) => console.log(JSON.stringify(event)));
