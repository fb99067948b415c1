import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { repo } from '../helpers/sources.js';

// Inside the repo so that `rxjs` and the types resolve as for the specs; .mts because a
// folder under node_modules is outside the package's `"type": "module"`.
const workdir = join(repo, 'node_modules', '.cache', 'rxserve-docs');

interface Block {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
  readonly output: string | undefined;
  readonly file: string;
}

// Every ```ts block of README.md and docs/*.md is type-checked, and run unless marked
// `ts no-run`; a ```text output block right after it is what it must print.
const blocks = [
  ...extract('README.md', readFileSync(join(repo, 'README.md'), 'utf8')),
  ...readdirSync(join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .flatMap((name) => extract(`docs/${name}`, readFileSync(join(repo, 'docs', name), 'utf8'))),
];

describe('the code blocks of README.md and docs/', function () {
  // Each block runs in its own node process, as a user would run it; all at once, each
  // test awaits its own.
  this.timeout(30_000);
  const runs = new Map<Block, Promise<{ code: number; stdout: string; stderr: string }>>();

  before(async () => {
    await rm(workdir, { recursive: true, force: true });
    await mkdir(workdir, { recursive: true });
    // tsx applies a tsconfig only to the files it includes: the repo's, for these too
    // (its experimentalDecorators, which NestJS needs).
    await writeFile(join(workdir, 'tsconfig.json'), JSON.stringify({ extends: relative(workdir, join(repo, 'tsconfig.json')), include: ['*.mts'] }));
    await Promise.all(blocks.map((block) => writeFile(block.file, importingLib(block))));
    for (const block of blocks) if (block.run) runs.set(block, node(block.file));
  });

  after(async () => {
    await Promise.all(runs.values());
    await rm(workdir, { recursive: true, force: true });
  });

  it('finds the blocks of the graceful-shutdown guide', () => {
    expect(blocks.filter((block) => block.doc === 'docs/graceful-shutdown.md' && block.run)).to.have.length.of.at.least(6);
  });

  it('type-checks every block against lib/', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(repo, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    });
    const program = ts.createProgram(
      blocks.map((block) => block.file),
      { ...config!.options, noEmit: true },
    );
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const block = blocks.find((candidate) => candidate.file === diagnostic.file?.fileName);
      if (!block || diagnostic.start === undefined) return message;
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
      return `${block.doc}:${block.line + line}: ${message}`;
    });
    expect(problems).to.deep.equal([]);
  });

  for (const block of blocks.filter((candidate) => candidate.run)) {
    const prints = block.output === undefined ? 'exits by itself' : 'prints what the page shows and exits by itself';
    it(`${block.doc}:${block.line} runs, ${prints}`, async () => {
      const { code, stdout, stderr } = await runs.get(block)!;
      expect(stderr).to.equal('');
      expect(code, stdout).to.equal(0);
      if (block.output !== undefined) expect(stdout.trimEnd()).to.equal(block.output.trimEnd());
    });
  }
});

function extract(doc: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```ts( no-run)?$/.exec(lines[i] ?? '');
    if (!fence) continue;
    const start = i + 1;
    const end = lines.indexOf('```', start);
    let next = end + 1;
    while (lines[next]?.trim() === '') next++;
    let output: string | undefined;
    if (lines[next] === '```text output') {
      output = lines.slice(next + 1, lines.indexOf('```', next + 1)).join('\n');
    }
    const file = join(workdir, `${doc.replace(/\W/g, '-')}-${start + 1}.mts`);
    found.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n'), run: !fence[1], output, file });
    i = end;
  }
  return found;
}

/** The block, importing `rxserve` and its subpaths from lib/ (where the package's exports point, before the build). */
function importingLib(block: Block): string {
  const { exports } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    exports: Record<string, { default?: string } | string>;
  };
  return block.code.replace(/from '(rxserve(?:\/[\w/-]+)?)'/g, (whole, specifier: string) => {
    const target = exports[`.${specifier.slice('rxserve'.length)}`];
    const built = typeof target === 'string' ? target : target?.default;
    if (!built?.startsWith('./dist/')) return whole;
    const source = join(repo, 'lib', built.slice('./dist/'.length));
    return `from '${relative(workdir, source)}'`;
  });
}

function node(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(workdir, 'tsconfig.json') };
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: repo, env, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
