/**
 * `npm run bench`: every benchmark of bench/ (not its support/), one after the other, then
 * one compact table of the figures that have a target (bench/support/figures.ts): rxserve,
 * the raw peer, Fastify where measured, the ratio, the target, met or not. Arguments are
 * passed on (e.g. `npm run bench -- --short`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIGURES_FILE, figuresTable } from './support/figures.js';
import { runAll } from './support/run-all.js';
import { environment } from './support/stats.js';

const folder = mkdtempSync(join(tmpdir(), 'rxserve-bench-'));
const file = join(folder, 'figures.jsonl');
process.env[FIGURES_FILE] = file;
try {
  process.exitCode = runAll('bench', process.argv.slice(2));
  console.log(`\n## Summary (${environment()})\n`);
  console.log(figuresTable(file));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
