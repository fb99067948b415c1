/**
 * `npm run stress`: every reliability script of stress/, one after the other. Arguments
 * are passed on (e.g. `npm run stress -- --rounds=5`).
 */
import { runAll } from '../bench/support/run-all.js';

process.exitCode = runAll('stress', process.argv.slice(2));
