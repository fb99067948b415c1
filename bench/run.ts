/**
 * `npm run bench`: every benchmark of bench/ (not its support/), one after the other.
 * Arguments are passed on (e.g. `npm run bench -- --short`).
 */
import { runAll } from './support/run-all.js';

process.exitCode = runAll('bench', process.argv.slice(2));
