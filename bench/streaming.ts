// Memory under a slow reader: the server streams 1 GiB to a client that reads at RATE MiB/s
// (default 64, far below what the server can produce), and its RSS must grow by < 64 MiB.
//
//   node --import tsx bench/streaming.ts            (SIZE=bytes RATE=MiB/s)
import { get } from 'node:http';
import { startServer } from './support/process.js';

const SIZE = Number(process.env['SIZE'] ?? 1024 ** 3);
const RATE = Number(process.env['RATE'] ?? 64) * 1024 * 1024;
const MiB = 1024 * 1024;

/** Reads `url` at `RATE` bytes a second: pauses whenever it is ahead of schedule. */
function readSlowly(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { connection: 'close' } }, (res) => {
      const began = performance.now();
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const ahead = (bytes / RATE) * 1000 - (performance.now() - began);
        if (ahead > 1) {
          res.pause();
          setTimeout(() => res.resume(), ahead);
        }
      });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const server = await startServer('bench/support/streaming-server.ts', [], ['--expose-gc'], { SIZE: String(SIZE) });
let failed = false;
try {
  for (const path of ['/readable', '/async-iterable']) {
    const bytes = await readSlowly(`${server.url}${path}`);
    const report = JSON.parse((await server.lines.next()).value as string);
    const growth = (report.rssPeak - report.rssStart) / MiB;
    const ok = bytes === SIZE && growth < 64;
    failed ||= !ok;
    console.log(
      `${path.padEnd(16)} ${(bytes / MiB).toFixed(0)} MiB in ${report.seconds.toFixed(1)} s ` +
        `(${(bytes / MiB / report.seconds).toFixed(0)} MiB/s), server RSS ${(report.rssStart / MiB).toFixed(0)} -> ` +
        `peak ${(report.rssPeak / MiB).toFixed(0)} MiB: +${growth.toFixed(1)} MiB ${ok ? 'ok (< 64 MiB)' : 'FAIL'}`,
    );
  }
} finally {
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
