// Process start to `listening` of a hello-world server (bench/startup.ts), in plain
// JavaScript so no loader is measured: prints the ms since the process began (node's
// performance clock starts with it) and the peak RSS, then exits.
//
//   node bench/support/hello-start.mjs node|rxserve
import { createServer } from 'node:http';

const say = () => {
  console.log(JSON.stringify({ ms: performance.now(), maxRssKiB: process.resourceUsage().maxRSS }));
  process.exit(0);
};
if (process.argv[2] === 'node') {
  createServer((req, res) => res.end('Hello World!')).listen(0, '127.0.0.1', say);
} else {
  const { serve } = await import('../../dist/index.js');
  serve({ host: '127.0.0.1', port: 0, handler: () => ({ body: 'Hello World!' }) }).subscribe((event) => event.type === 'listening' && say());
}
