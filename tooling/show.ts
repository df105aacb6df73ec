// `adjoint show file.ts [--fn name]`: the file as the transformer leaves it, the generated
// functions placed after the functions they differentiate and each marker call rewritten to
// use them, printed as TypeScript and formatted by prettier with the project's prettier
// settings. With --fn, only the functions generated for one user function, the generated
// functions they call, and the lines that use them. When adjoint refuses something in the
// file, its diagnostics at file:line:col instead, and exit status 1.
import path from "node:path";
import ts from "typescript";
import { createAdjointTransform } from "../transformer";
import { findProject, formatDiagnostics, parseConfig, type Output } from "./build";

export const SHOW_HELP = `Usage: adjoint show <file.ts> [--fn <name>] [-p tsconfig.json]

Prints the code the adjoint transformer makes of a file: the generated functions (f_grad,
f_vjp, f_valueAndGrad, f_jvp, ...) after the functions they differentiate, and each grad(f),
vjp(f), ... call rewritten to use them, as TypeScript formatted by prettier. When adjoint
refuses something in the file, prints its diagnostics (file:line:col, code ADJnnn) instead.

  --fn <name>           only the functions generated for the user function <name>, the
                        generated functions they call, and the lines that use them
  -p, --project <path>  the tsconfig.json (default: the nearest one upwards from the file;
                        without one, TypeScript's defaults for a bundler project)

Exit status: 0 when the code is printed, 1 when adjoint refused something (or --fn names a
function with no generated code), 2 for a usage error.
`;

export interface ShowOptions {
  readonly file: string;
  readonly fn?: string;
  readonly project?: string;
  readonly cwd: string;
}

/** Options for a file with no tsconfig above it. */
const DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  noEmit: true,
};

export async function show(options: ShowOptions, output: Output): Promise<number> {
  const file = path.resolve(options.cwd, options.file);
  if (!ts.sys.fileExists(file)) {
    output.err(`adjoint show: ${options.file}: no such file.\n`);
    return 2;
  }
  const report = (diagnostics: readonly ts.Diagnostic[]) =>
    output.err(formatDiagnostics(diagnostics, options.cwd, output.color));

  const configPath =
    options.project !== undefined
      ? findProject(options.project, options.cwd)
      : (ts.findConfigFile(path.dirname(file), ts.sys.fileExists) ?? undefined);
  if (typeof configPath === "object") {
    output.err(`adjoint show: ${configPath.error}\n`);
    return 2;
  }
  let rootNames: string[] = [];
  let compilerOptions = DEFAULTS;
  let projectReferences: readonly ts.ProjectReference[] | undefined;
  if (configPath) {
    const unrecoverable: ts.Diagnostic[] = [];
    const parsed = parseConfig(path.resolve(configPath), {}, (d) => unrecoverable.push(d));
    if (!parsed) {
      report(unrecoverable);
      return 1;
    }
    rootNames = parsed.fileNames;
    compilerOptions = parsed.options;
    projectReferences = parsed.projectReferences;
  }
  // The file joins the program even when the tsconfig leaves it out (a script, a test).
  const key = (f: string) => path.resolve(f).toLowerCase();
  if (!rootNames.some((f) => key(f) === key(file))) rootNames = [...rootNames, file];
  const program = ts.createProgram({ rootNames, options: compilerOptions, projectReferences });
  const source = program.getSourceFile(file) ?? program.getSourceFiles().find((f) => key(f.fileName) === key(file));
  if (!source) {
    output.err(`adjoint show: TypeScript did not load ${options.file} (is it a TypeScript file?).\n`);
    return 2;
  }

  // Type errors in the file are shown but do not stop it: adjoint reads types, so an
  // unresolved import (adjoint not installed) explains code left as written.
  const typeErrors = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  if (typeErrors.length > 0) {
    report(typeErrors);
    output.err(
      `(TypeScript reports ${count(typeErrors.length, "error")} in this file; the code below may be incomplete.)\n\n`,
    );
  }

  const transform = createAdjointTransform(program);
  const mine = (d: ts.Diagnostic) => d.file === source || (d.relatedInformation ?? []).some((r) => r.file === source);
  const refusals = transform.diagnostics.filter(mine);
  if (refusals.some(isError)) {
    report(refusals);
    output.err(`\n${count(refusals.filter(isError).length, "error")} from adjoint; nothing generated is printed.\n`);
    return 1;
  }
  if (refusals.length > 0) report(refusals);

  const late: ts.Diagnostic[] = [];
  const result = ts.transform(source, [transform.factory({ addDiagnostic: (d) => late.push(d) })], compilerOptions);
  const transformed = result.transformed[0]!;
  result.dispose();
  if (late.some(isError)) {
    report(late);
    return 1;
  }
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  if (options.fn === undefined) {
    if (!transform.touches(source))
      output.err(
        `(${relative(options.cwd, file)} has no grad, vjp, ... call and no generated function: it is printed as written.)\n`,
      );
    output.out(await format(printTopLevel(source, transformed, printer), file, output));
    return 0;
  }
  const selected = selectFunction(source, transformed, options.fn, printer);
  if ("error" in selected) {
    output.err(`adjoint show: ${selected.error}\n`);
    return 1;
  }
  output.out(await format(selected.code, file, output));
  return 0;
}

/**
 * The transformed file, statement by statement: prettier keeps blank lines but makes none,
 * so each generated function gets one before and after it, and the user's statements keep
 * the blank lines the source has between them.
 */
function printTopLevel(source: ts.SourceFile, transformed: ts.SourceFile, printer: ts.Printer): string {
  let text = "";
  let previousGenerated = false;
  transformed.statements.forEach((statement, i) => {
    const generated = isSynthesized(statement) && ts.isFunctionDeclaration(statement);
    const original = ts.getOriginalNode(statement);
    const blankInSource =
      !generated &&
      original.pos >= 0 &&
      /\n[ \t]*\r?\n/.test(source.text.slice(original.pos, original.getStart(source)));
    if (i > 0 && (generated || previousGenerated || blankInSource)) text += "\n";
    text += printer.printNode(ts.EmitHint.Unspecified, statement, source) + "\n";
    previousGenerated = generated;
  });
  return text;
}

const isError = (d: ts.Diagnostic) => d.category === ts.DiagnosticCategory.Error;
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
const relative = (cwd: string, file: string) => path.relative(cwd, file) || path.basename(file);

/** Prettier with the project's own settings; the code as TypeScript printed it if prettier fails. */
async function format(code: string, file: string, output: Output): Promise<string> {
  try {
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(file).catch(() => null)) ?? {};
    return await prettier.format(code, { ...config, parser: "typescript", filepath: file });
  } catch (e) {
    output.err(`(prettier could not format the code: ${e instanceof Error ? e.message.split("\n")[0] : e})\n`);
    return code;
  }
}

/**
 * The output of --fn: the functions generated for `name` (named name_grad, name_vjp, ...),
 * the generated functions they call, and each statement outside them that uses them, under
 * a comment with its line in the source. A message when there are none.
 */
export function selectFunction(
  source: ts.SourceFile,
  transformed: ts.SourceFile,
  name: string,
  printer: ts.Printer,
): { code: string } | { error: string } {
  const generated = generatedFunctions(transformed);
  const declared = declaredNames(source);
  const owners = new Map([...generated.keys()].map((g) => [g, ownerOf(g, declared)]));
  const own = [...generated.keys()].filter((g) => owners.get(g) === name);
  // Functions generated in another module (grad(f) with f imported) are used here as ns.f_grad.
  const uses = usesOf(
    transformed,
    (id, member) => (member ? ownerOf(id, new Set([name])) === name : own.includes(id)),
    generated,
  );
  const file = path.basename(source.fileName);
  if (own.length === 0 && uses.length === 0) {
    const withCode = [...new Set([...owners.values()].filter((o): o is string => o !== undefined))];
    return {
      error:
        `${file} has no generated function for \`${name}\`. ` +
        (withCode.length > 0
          ? `Functions with generated code in it: ${withCode.join(", ")}.`
          : "No function in it has generated code."),
    };
  }
  // The generated functions these call, transitively (f_forward for a g that calls f).
  const called: string[] = [];
  const queue = [...own];
  while (queue.length > 0) {
    const fn = generated.get(queue.pop()!)!;
    const visit = (node: ts.Node): void => {
      if (
        ts.isIdentifier(node) &&
        generated.has(node.text) &&
        !own.includes(node.text) &&
        !called.includes(node.text)
      ) {
        called.push(node.text);
        queue.push(node.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(fn);
  }
  const print = (node: ts.Node) => printer.printNode(ts.EmitHint.Unspecified, node, source);
  // Blocks separated by blank lines, each comment above what it describes.
  const parts: string[] = [];
  own.forEach((g, i) =>
    parts.push(`${i === 0 ? `// Generated for ${name} in ${file}\n` : ""}${print(generated.get(g)!)}`),
  );
  for (const g of called)
    parts.push(
      `// ${g}, generated for ${owners.get(g) ?? "an inline function"}, called by the functions above\n` +
        print(generated.get(g)!),
    );
  // Functions generated in another module: where to look.
  const modules = new Set(uses.flatMap((use) => namespacesIn(use.node)).flatMap((ns) => importedFrom(transformed, ns)));
  if (own.length === 0 && modules.size > 0)
    parts.push(
      `// ${name}'s generated functions are in ${[...modules].map((m) => JSON.stringify(m)).join(", ")}: ` +
        `\`adjoint show\` that file with --fn ${name} prints them`,
    );
  if (uses.length > 0)
    parts.push(
      `// Where ${file} uses them\n` + uses.map((use) => `// ${file}:${use.line}\n${print(use.node)}`).join("\n"),
    );
  return { code: parts.join("\n\n") + "\n" };
}

/** Identifiers of generated namespace imports (physics_adjoint) that `node` reads members of. */
function namespacesIn(node: ts.Node): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && isSynthesized(n.expression))
      found.push(n.expression.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** The module a namespace import of the transformed file names (`import * as ns from "./physics"`). */
function importedFrom(file: ts.SourceFile, namespace: string): string[] {
  return file.statements.flatMap((s) =>
    ts.isImportDeclaration(s) &&
    ts.isStringLiteral(s.moduleSpecifier) &&
    s.importClause?.namedBindings &&
    ts.isNamespaceImport(s.importClause.namedBindings) &&
    s.importClause.namedBindings.name.text === namespace
      ? [s.moduleSpecifier.text]
      : [],
  );
}

/** Function declarations the transformer made (no original node in the source), by name, at any depth. */
function generatedFunctions(file: ts.SourceFile): Map<string, ts.FunctionDeclaration> {
  const found = new Map<string, ts.FunctionDeclaration>();
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) && node.name && isSynthesized(node)) found.set(node.name.text, node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const isSynthesized = (node: ts.Node) => ts.getOriginalNode(node) === node && node.pos === -1;

/** Names the source declares (functions, variables, parameters): the candidates for a generated name's owner. */
function declaredNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (
      (ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node) || ts.isImportSpecifier(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    )
      names.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/**
 * The user function a generated name was made for: the longest declared name it extends
 * with `_` (f_grad, f_grad_x_y, u_grad_grad) or a number (f2, when f_grad was taken), so
 * that f_2's functions are not counted as f's.
 */
export function ownerOf(generated: string, declared: ReadonlySet<string>): string | undefined {
  let owner: string | undefined;
  for (const name of [...declared, "anonymous"]) {
    const rest = generated.slice(name.length);
    if (generated.startsWith(name) && (rest.startsWith("_") || /^\d+$/.test(rest)))
      if (owner === undefined || name.length > owner.length) owner = name;
  }
  return owner;
}

interface Use {
  readonly node: ts.Node;
  readonly line: number;
}

/**
 * The statements outside generated functions that refer to a selected name (`const df =
 * f_grad;`), or for a compound statement (if, for, ...) the expression in its head, each
 * with its line in the source.
 */
function usesOf(
  file: ts.SourceFile,
  selected: (name: string, member: boolean) => boolean,
  generated: ReadonlyMap<string, ts.FunctionDeclaration>,
): Use[] {
  const uses: Use[] = [];
  const generatedNodes = new Set<ts.Node>(generated.values());
  const simple = (n: ts.Node) =>
    ts.isVariableStatement(n) ||
    ts.isExpressionStatement(n) ||
    ts.isReturnStatement(n) ||
    ts.isThrowStatement(n) ||
    ts.isExportAssignment(n) ||
    ts.isPropertyDeclaration(n);
  const visit = (node: ts.Node, holder: ts.Node | undefined, anchor: ts.Node | undefined): void => {
    if (generatedNodes.has(node)) return;
    const original = ts.getOriginalNode(node);
    if (original.pos >= 0 && original.getSourceFile?.()) anchor = original;
    if (simple(node)) holder = node;
    else if (ts.isStatement(node) || ts.isClassElement(node)) holder = undefined;
    else if (holder === undefined && ts.isExpression(node)) holder = node;
    // A generated function of this file by name, or another module's through the namespace
    // import the transformer added (physics_adjoint.drag_grad).
    const refers =
      (ts.isIdentifier(node) && selected(node.text, false)) ||
      (ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) &&
        isSynthesized(node.expression) &&
        selected(node.name.text, true));
    if (refers && holder && !uses.some((u) => u.node === holder)) {
      const sourceFile = anchor?.getSourceFile();
      const line =
        anchor && sourceFile ? sourceFile.getLineAndCharacterOfPosition(anchor.getStart(sourceFile)).line + 1 : 0;
      uses.push({ node: holder, line });
      return;
    }
    ts.forEachChild(node, (child) => visit(child, holder, anchor));
  };
  visit(file, undefined, undefined);
  return uses;
}
