// pm2 runs demos/production.ts in cluster mode, 2 instances, for zero-downtime reloads:
//
//   npx pm2 start demos/ecosystem.config.cjs     # then: npx pm2 reload rxserve-demo
//
// What pm2 does with each setting is in docs/deployment.md ("pm2"); spec/pm2.spec.ts runs
// this file with pm2 itself. PORT, DRAIN_DELAY, DEADLINE and SHUTDOWN_WITH_MESSAGE are read
// from the environment `pm2 start` runs in.
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const drainDelay = Number(process.env.DRAIN_DELAY ?? 5_000);
const deadline = Number(process.env.DEADLINE ?? 15_000);

module.exports = {
  apps: [
    {
      name: 'rxserve-demo',
      script: join(__dirname, 'production.ts'),
      // pm2 7 refuses a .ts script on Node 20 unless told the interpreter; and
      // `--import tsx` would resolve from the pm2 daemon's folder, so it is given as a path.
      interpreter: 'node',
      node_args: ['--import', pathToFileURL(require.resolve('tsx')).href],
      exec_mode: 'cluster',
      instances: 2,
      // A new worker counts as up once it sends 'ready' (the demo does on `listening`)...
      wait_ready: true,
      // ...or after this long: longer than the demo takes to start.
      listen_timeout: 10_000,
      // pm2 SIGKILLs a worker this long after asking it to stop: more than the drain may take.
      kill_timeout: deadline + 5_000,
      // true: pm2 stop/restart send the 'shutdown' message; false: SIGINT (pm2's default).
      shutdown_with_message: process.env.SHUTDOWN_WITH_MESSAGE === 'true',
      env: {
        PORT: process.env.PORT ?? '3000',
        DRAIN_DELAY: String(drainDelay),
        DEADLINE: String(deadline),
      },
    },
  ],
};
