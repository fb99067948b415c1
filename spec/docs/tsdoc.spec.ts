import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { repo, sources } from '../helpers/sources.js';

// What the API reference (typedoc, `npm run docs`) is made of: every export in lib/, and
// every public method and accessor of an exported class, has a summary and an @example.
describe('TSDoc in lib/', () => {
  it('gives every export, and every public method of an exported class, a summary and an @example', async () => {
    const undocumented: string[] = [];
    for (const file of await sources('lib')) {
      const source = ts.createSourceFile(file, await readFile(join(repo, file), 'utf8'), ts.ScriptTarget.Latest, true);
      for (const statement of source.statements) {
        for (const [name, node] of exported(statement)) {
          const missing = whatIsMissing(node);
          if (missing) undocumented.push(`${file}: ${name} has no ${missing}`);
          if (!ts.isClassDeclaration(statement)) continue;
          for (const member of statement.members) {
            if (!isPublicMethod(member)) continue;
            const missingOnMember = whatIsMissing(member);
            if (missingOnMember) undocumented.push(`${file}: ${name}.${member.name.getText()} has no ${missingOnMember}`);
          }
        }
      }
    }
    expect(undocumented).to.deep.equal([]);
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

function whatIsMissing(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const summary = docs.some((doc) => ts.getTextOfJSDocComment(doc.comment)?.trim());
  const example = docs.some((doc) => doc.tags?.some((tag) => tag.tagName.text === 'example'));
  if (!summary && !example) return 'TSDoc summary nor @example';
  if (!summary) return 'TSDoc summary';
  if (!example) return '@example';
  return undefined;
}
