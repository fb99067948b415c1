// The chat demo: `node --import tsx demos/chat/server.ts`, open http://127.0.0.1:3000/?name=ann
// in two tabs. Ctrl+C drains: the pages say "server going away (1001)"; start it again and
// they reconnect.
import { fromSignals } from '../../lib/index.js';
import { chatServer } from './chat.js';

chatServer({
  port: Number(process.env['PORT'] ?? 3000),
  host: process.env['HOST'] ?? '127.0.0.1',
  shutdown$: fromSignals('SIGINT', 'SIGTERM'),
}).subscribe({
  next: (event) => {
    if (event.type === 'listening') console.log(`chat on ${event.url}`);
    else if (event.type === 'shutdown') console.log(`shutting down, ${event.open} connection(s) open`);
    else if (event.type === 'closed') console.log(`closed (graceful: ${event.graceful}, drained: ${event.drained}, forced: ${event.forced})`);
    else if (event.type === 'error') console.error(`error: ${event.error.message}`);
  },
  error: (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
});
