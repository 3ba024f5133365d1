// Fails when an export of the library's public API (its entry points: `portcullis`, `portcullis/cli`,
// `portcullis/migrations`) has no TSDoc comment.
import process from 'node:process';
import ts from 'typescript';

const entries = [
  'libs/auth/src/index.ts',
  'libs/auth/src/cli/index.ts',
  'libs/auth/src/migrations/index.ts',
];
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const exports = entries.flatMap((entry) =>
  checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry))),
);
const undocumented = exports
  .filter((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.getDocumentationComment(checker).length === 0;
  })
  .map((symbol) => symbol.name);

if (undocumented.length) {
  process.stderr.write(`Public exports without TSDoc: ${undocumented.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`TSDoc: all ${exports.length} public exports documented.\n`);
