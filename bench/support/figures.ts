import { appendFileSync, readFileSync } from 'node:fs';
import { fixed, table } from './stats.js';

/** One line of `npm run bench`'s summary: a figure, both sides, the ratio, the target, met or not. */
export interface Figure {
  readonly figure: string;
  readonly rxserve: string;
  /** The raw peer, with its figure (`node:http 11.3 µs`). */
  readonly peer: string;
  /** Fastify's figure, where the bench measures it. */
  readonly fastify?: string;
  /** rxserve over the peer (a number), or a difference already written out (`+108 ms`). */
  readonly ratio: number | string;
  readonly target: string;
  readonly met: boolean;
}

/** The file `npm run bench` collects figures in (bench/run.ts sets it); unset when a bench runs alone. */
export const FIGURES_FILE = 'RXSERVE_BENCH_FIGURES';

/** Hands a figure to the summary of `npm run bench`; nothing when the bench runs alone. */
export function recordFigure(figure: Figure): void {
  const file = process.env[FIGURES_FILE];
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

/** The one compact table of every figure recorded in `file`. */
export function figuresTable(file: string): string {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return 'No figures were recorded.';
  }
  const figures = lines.map((line) => JSON.parse(line) as Figure);
  return table(
    ['figure', 'rxserve', 'raw peer', 'Fastify', 'ratio', 'target', 'met'],
    figures.map((f) => [f.figure, f.rxserve, f.peer, f.fastify ?? '', typeof f.ratio === 'number' ? fixed(f.ratio, 3) : f.ratio, f.target, f.met ? 'met' : 'not met']),
  );
}
