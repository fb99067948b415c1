import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { repo, sources } from '../helpers/sources.js';

describe('docs/errors.md', () => {
  let documented: Map<string, string>;

  before(async () => {
    documented = sections(await readFile(join(repo, 'docs', 'errors.md'), 'utf8'));
  });

  it('lists every code of RxServeErrorCode, and no other', async () => {
    const codes = unionMembers(await parse('lib/errors.ts'), 'RxServeErrorCode');
    expect(codes, 'RxServeErrorCode was not found in lib/errors.ts').to.not.be.empty;
    expect([...documented.keys()].sort()).to.deep.equal([...codes].sort());
  });

  it('lists every ERR_RXSERVE_ code written anywhere in lib/', async () => {
    const used = new Set<string>();
    for (const file of await sources('lib')) {
      visit(await parse(file), (node) => {
        if (ts.isStringLiteralLike(node) && /^ERR_RXSERVE_[A-Z0-9_]+$/.test(node.text)) used.add(node.text);
      });
    }
    const missing = [...used].filter((code) => !documented.has(code));
    expect(missing, 'codes used in lib/ but not in docs/errors.md').to.deep.equal([]);
  });

  it('names, for each code, the error class that carries it', async () => {
    const classes = new Map<string, string>();
    visit(await parse('lib/errors.ts'), (node) => {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const name = node.name.text;
      visit(node, (inner) => {
        if (
          ts.isCallExpression(inner) &&
          inner.expression.kind === ts.SyntaxKind.SuperKeyword &&
          inner.arguments[0] &&
          ts.isStringLiteralLike(inner.arguments[0])
        ) {
          classes.set(inner.arguments[0].text, name);
        }
      });
    });
    expect(classes.size).to.be.greaterThan(0);
    for (const [code, name] of classes) {
      expect(documented.get(code), `the section of ${code}`).to.include(`\`${name}\``);
    }
  });
});

/** The `## \`CODE\`` sections of the page, each with its text. */
function sections(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const code = /^`([A-Z0-9_]+)`/.exec(part)?.[1];
    if (code) found.set(code, part);
  }
  return found;
}

async function parse(file: string): Promise<ts.SourceFile> {
  return ts.createSourceFile(file, await readFile(join(repo, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function unionMembers(source: ts.SourceFile, alias: string): string[] {
  const members: string[] = [];
  visit(source, (node) => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === alias) {
      visit(node.type, (inner) => {
        if (ts.isLiteralTypeNode(inner) && ts.isStringLiteral(inner.literal)) members.push(inner.literal.text);
      });
    }
  });
  return members;
}

function visit(node: ts.Node, callback: (node: ts.Node) => void): void {
  callback(node);
  ts.forEachChild(node, (child) => visit(child, callback));
}
