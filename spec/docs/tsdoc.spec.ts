import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { repo, sources } from '../helpers/sources.js';

// What the API reference (typedoc, `npm run docs`) is made of. Every export in lib/ has a
// summary. The public surface (what lib/index.ts and lib/testing/index.ts export), and every
// public method and accessor of its classes, has an @example too; nothing else has one, as
// an example quoting an internal call site only tells a user what they cannot call.
describe('TSDoc in lib/', () => {
  it('gives every export a summary, and the public surface, and only it, an @example', async () => {
    const publicSurface = publicDeclarations();
    const wrong: string[] = [];
    for (const file of await sources('lib')) {
      const source = ts.createSourceFile(file, await readFile(join(repo, file), 'utf8'), ts.ScriptTarget.Latest, true);
      for (const statement of source.statements) {
        for (const [name, node] of exported(statement)) {
          const isPublic = publicSurface.has(`${file}#${name}`);
          const problem = whatIsWrong(node, isPublic);
          if (problem) wrong.push(`${file}: ${name} ${problem}`);
          if (!ts.isClassDeclaration(statement)) continue;
          for (const member of statement.members) {
            if (!isPublicMethod(member)) continue;
            const memberProblem = whatIsWrong(member, isPublic && !isMarkedInternal(member));
            if (memberProblem) wrong.push(`${file}: ${name}.${member.name.getText()} ${memberProblem}`);
          }
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('builds into the API reference (`npm run docs`) without a single typedoc warning', async function () {
    this.timeout(60_000);
    const out = await mkdtemp(join(tmpdir(), 'rxserve-api-'));
    try {
      const typedoc = join(repo, 'node_modules', 'typedoc', 'bin', 'typedoc');
      // typedoc.json treats warnings (an undocumented export, a broken {@link}) as errors.
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(process.execPath, [typedoc, '--out', out], { cwd: repo }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
        );
      });
      expect(output).to.not.match(/warning|error/i);
      expect(code, output).to.equal(0);
      expect(await readdir(join(out, 'modules'))).to.include.members(['rxserve.html', 'rxserve_testing.html']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

/** The declarations a statement exports, by name; re-exports are checked where they are declared. */
function exported(statement: ts.Statement): [string, ts.Node][] {
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
  if (!modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) return [];
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((declaration) => [declaration.name.getText(), declaration]);
  }
  if (
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)
  ) {
    return [[statement.name?.text ?? 'default', statement]];
  }
  return [];
}

function isPublicMethod(member: ts.ClassElement): member is ts.MethodDeclaration | ts.AccessorDeclaration {
  if (!ts.isMethodDeclaration(member) && !ts.isGetAccessorDeclaration(member) && !ts.isSetAccessorDeclaration(member)) {
    return false;
  }
  if (ts.isPrivateIdentifier(member.name)) return false;
  return !ts
    .getModifiers(member)
    ?.some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword || modifier.kind === ts.SyntaxKind.ProtectedKeyword);
}

function isMarkedInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

function whatIsWrong(node: ts.Node, isPublic: boolean): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const summary = docs.some((doc) => ts.getTextOfJSDocComment(doc.comment)?.trim());
  const example = docs.some((doc) => doc.tags?.some((tag) => tag.tagName.text === 'example'));
  if (!summary) return 'has no TSDoc summary';
  if (isPublic && !example) return 'is public and has no @example';
  if (!isPublic && example) return 'is internal and has an @example';
  return undefined;
}

/** `file#name` of every declaration the package's entry points export, re-exports followed. */
function publicDeclarations(): Set<string> {
  const entries = ['lib/index.ts', 'lib/testing/index.ts'].map((file) => join(repo, file));
  const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const declarations = new Set<string>();
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exportedSymbol of checker.getExportsOfModule(module)) {
      const symbol = exportedSymbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exportedSymbol) : exportedSymbol;
      for (const declaration of symbol.declarations ?? []) {
        declarations.add(`${declaration.getSourceFile().fileName.slice(repo.length)}#${symbol.name}`);
      }
    }
  }
  return declarations;
}
