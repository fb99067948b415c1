import { spawnSync } from 'node:child_process';
import { root } from './child.js';

/**
 * Compiles lib/ to dist/ with tsc, as `npm run build` does, so that servers under test run
 * the JavaScript users get. (Through tsx, every function expression in lib/ would also pay
 * for esbuild's keepNames `__name()` call and a property store: ~0.3 KiB more per idle
 * connection and a visible share of each request's CPU.)
 */
export function buildDist(): void {
  const { status } = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (status !== 0) throw new Error('npm run build failed: cannot measure dist/');
}
