import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './support/child.js';

const run = promisify(execFile);

const consumer = `
import { serve, fromSignals, GracefulShutdown, type ServerEvent } from 'rxserve';
import { Subject, lastValueFrom, toArray, tap } from 'rxjs';

const stop = new Subject<void>();
const events = await lastValueFrom(
  serve({ port: 0, host: '127.0.0.1', handler: () => ({ body: 'from the tarball' }), shutdown$: stop }).pipe(
    tap(async (event: ServerEvent) => {
      if (event.type !== 'listening') return;
      const res = await fetch(event.url);
      console.log(await res.text());
      stop.next();
    }),
    toArray(),
  ),
);
console.log(events.map((event) => event.type).join(','));
console.log(typeof fromSignals, new GracefulShutdown().count);

try {
  // @ts-expect-error: the types are real, so a port given as a string is refused.
  serve({ port: '3000', handler: () => ({}) });
} catch (error) {
  console.log((error as { code: string }).code);
}
`;

describe('the packed package (npm pack, installed in a fresh project)', function () {
  // Builds, packs and installs (from the npm cache): a few seconds on a loaded machine.
  this.timeout(120_000);
  let project: string;

  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'rxserve-consumer-'));
  });

  after(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('installs, type-checks an import with types, and serves', async () => {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', project], { cwd: root });
    const tarball = stdout.trim().split('\n').at(-1)!;
    expect(tarball).to.match(/^rxserve-\d+\.\d+\.\d+\.tgz$/);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(join(project, 'index.ts'), consumer);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, types: ['node'], skipLibCheck: false },
        files: ['index.ts'],
      }),
    );
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`, 'rxjs@^7.8.0', '@types/node@^20'],
      { cwd: project },
    );
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project });
    const { stdout: output } = await run(process.execPath, [join(project, 'index.js')], { cwd: project });
    expect(output.split('\n')).to.deep.equal([
      'from the tarball',
      'listening,draining,shutdown,remaining,closed',
      'function 0',
      'ERR_RXSERVE_INVALID_OPTION',
      '',
    ]);
  });
});
