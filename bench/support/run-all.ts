import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './child.js';

/**
 * Runs every `*.ts` file of `dir` (relative to the repository root) but `run.ts`, one after
 * the other, each alone in its own node process (with `--expose-gc`, which the memory benches
 * need) and this process's extra arguments.
 * Returns 1 if any failed, else 0.
 */
export function runAll(dir: string, args: readonly string[]): number {
  let failed = 0;
  for (const file of readdirSync(join(root, dir)).filter((name) => name.endsWith('.ts') && name !== 'run.ts').sort()) {
    console.log(`\n## ${dir}/${file}\n`);
    const { status } = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(dir, file), ...args], { cwd: root, stdio: 'inherit' });
    if (status !== 0) {
      failed++;
      console.error(`${dir}/${file} exited with ${status}`);
    }
  }
  return failed > 0 ? 1 : 0;
}
