import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { repo } from '../helpers/sources.js';

const fixture = join(repo, 'spec', 'consumer');

describe('the packed package, as a user installs it (rxserve and rxserve/testing)', function () {
  // Packing builds the library and the install unpacks it: seconds, not milliseconds.
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxserve-consumer-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs, installs into a fresh project, type-checks its imports, serves from it and passes its marble tests of a custom shutdown$', async () => {
    await run('npm', ['pack', '--pack-destination', dir], repo);
    const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack made no tarball').to.be.a('string');

    const app = join(dir, 'app');
    await mkdir(app);
    const rxjs = JSON.parse(await readFile(join(repo, 'node_modules', 'rxjs', 'package.json'), 'utf8')) as {
      version: string;
    };
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        // rxjs at the repo's version, so --prefer-offline finds it in the cache `npm ci` filled;
        // the tools are linked from the repo rather than installed again.
        dependencies: { rxserve: `file:../${tarball}`, rxjs: rxjs.version },
        devDependencies: {
          typescript: `file:${join(repo, 'node_modules', 'typescript')}`,
          '@types/node': `file:${join(repo, 'node_modules', '@types', 'node')}`,
        },
      }),
    );
    await copyFile(join(fixture, 'tsconfig.json'), join(app, 'tsconfig.json'));
    await copyFile(join(fixture, 'shutdown.test.ts'), join(app, 'shutdown.test.ts'));
    await copyFile(join(fixture, 'serve.ts'), join(app, 'serve.ts'));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);

    await run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
    // TAP named, not left to node's default: from Node 24 the default reporter is `spec`.
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', join(app, 'build', 'shutdown.test.js')], app);
    expect(stdout).to.match(/^# pass 3$/m);
    expect(stdout).to.match(/^# fail 0$/m);

    const served = await run(process.execPath, [join(app, 'build', 'serve.js')], app);
    expect(served.stdout.split('\n')).to.deep.equal([
      'from the tarball',
      'listening,stopping,shutdown,remaining,closed',
      'function 0',
      'ERR_RXSERVE_INVALID_OPTION',
      '',
    ]);
  });
});

function run(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env: userEnv() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error }));
      else resolve({ stdout, stderr });
    });
  });
}

// `npm test` hands its own settings down as npm_* variables (the repo's package, the
// lifecycle event); the user's npm must not see them, except where its cache is.
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith('npm_') || name.toLowerCase() === 'npm_config_cache') env[name] = value;
  }
  return env;
}
