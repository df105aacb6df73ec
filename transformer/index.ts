// The ts-patch entry point: `{ "transform": "adjoint/transform" }` in tsconfig.json.
// Planning runs once per program; each file's transformation then only places the
// generated functions and rewrites the marker calls.
import ts from "typescript";
import { AdjointError, debugInternalError, toDiagnostic } from "./diagnostics";
import { Emitter } from "./emit";
import { buildPlan, type Plan } from "./plan";

/** What ts-patch passes as `extras`; tests pass a stand-in that collects diagnostics. */
export interface TransformerExtras {
  addDiagnostic(diagnostic: ts.Diagnostic): unknown;
}

export default function adjointTransformer(
  program: ts.Program,
  _config?: unknown,
  extras?: TransformerExtras,
): ts.TransformerFactory<ts.SourceFile> {
  const transform = createAdjointTransform(program);
  for (const d of transform.diagnostics) extras?.addDiagnostic(d);
  return transform.factory(extras);
}

/** One program's plan, for hosts that transform file by file (the bundler plugins, the language service). */
export interface AdjointTransform {
  /** The ADJ diagnostics of the whole program. */
  readonly diagnostics: readonly ts.Diagnostic[];
  /** Whether the transformation changes `file`: it has a marker call, a generated function or an import to add. */
  touches(file: ts.SourceFile): boolean;
  factory(extras?: TransformerExtras): ts.TransformerFactory<ts.SourceFile>;
}

export function createAdjointTransform(program: ts.Program): AdjointTransform {
  let plan: Plan | undefined;
  const diagnostics: ts.Diagnostic[] = [];
  try {
    plan = buildPlan(program);
    diagnostics.push(...plan.diagnostics);
  } catch (e) {
    debugInternalError(e);
    const first = program.getSourceFiles().find((f) => !f.isDeclarationFile);
    if (first)
      diagnostics.push(toDiagnostic(new AdjointError("ADJ900", first, e instanceof Error ? e.message : String(e))));
  }
  const touched = new Set<ts.SourceFile>();
  if (plan) {
    for (const call of plan.sites.keys()) touched.add(call.getSourceFile());
    for (const statement of plan.placements.keys()) touched.add(statement.getSourceFile());
    for (const file of plan.imports.keys()) touched.add(file);
  }
  return {
    diagnostics,
    touches: (file) => touched.has(file),
    factory: (extras) => (context) => (file) => {
      if (!plan || !touched.has(file)) return file;
      try {
        return transformFile(file, plan, context, program.getTypeChecker());
      } catch (e) {
        debugInternalError(e);
        // Never a stack trace for the user: report, and leave the file as written.
        extras?.addDiagnostic(
          toDiagnostic(new AdjointError("ADJ900", file, e instanceof Error ? e.message : String(e))),
        );
        return file;
      }
    },
  };
}

function transformFile(
  file: ts.SourceFile,
  plan: Plan,
  context: ts.TransformationContext,
  checker: ts.TypeChecker,
): ts.SourceFile {
  const namespace = plan.runtimeNamespaces.get(file);
  const emitter = new Emitter(context, checker, namespace, file);
  const f = context.factory;

  const withPlacements = (statements: ts.NodeArray<ts.Statement>): ts.Statement[] =>
    statements.flatMap((s) => {
      const visited = ts.visitNode(s, visit) as ts.Statement;
      const placed = plan.placements.get(s) ?? [];
      return [visited, ...placed.map((entry) => emitter.functionDeclaration(entry.generated!, entry.exported))];
    });

  const visit = (node: ts.Node): ts.Node => {
    if (ts.isCallExpression(node)) {
      const entry = plan.sites.get(node);
      if (entry && plan.isComplete(entry)) {
        const remote = plan.siteRefs.get(node);
        const generated = remote
          ? emitter.expr(remote)
          : entry.anchor
            ? f.createIdentifier(entry.name)
            : f.createParenthesizedExpression(emitter.arrowFunction(entry.generated!));
        const names = plan.checks.get(node);
        if (!names) return generated;
        // checkGrad(f, args, options) -> checkGrad(f, args, options, f_grad, ["x", "y"])
        const args = node.arguments.map((a) => ts.visitNode(a, visit) as ts.Expression);
        while (args.length < 3) args.push(f.createIdentifier("undefined"));
        const nameList = f.createArrayLiteralExpression(names.map((n) => f.createStringLiteral(n)));
        return f.updateCallExpression(node, ts.visitNode(node.expression, visit) as ts.Expression, node.typeArguments, [
          ...args,
          generated,
          nameList,
        ]);
      }
    }
    if (ts.isBlock(node)) return f.updateBlock(node, withPlacements(node.statements));
    if (ts.isModuleBlock(node)) return f.updateModuleBlock(node, withPlacements(node.statements));
    if (ts.isCaseClause(node))
      return f.updateCaseClause(
        node,
        ts.visitNode(node.expression, visit) as ts.Expression,
        withPlacements(node.statements),
      );
    if (ts.isDefaultClause(node)) return f.updateDefaultClause(node, withPlacements(node.statements));
    return ts.visitEachChild(node, visit, context);
  };

  const statements = withPlacements(file.statements);
  // Generated code reaches the runtime, and the generated functions of other modules,
  // through namespace imports of its own, placed after the file's imports.
  const imports = [
    ...(namespace ? [["adjoint/internal", namespace] as const] : []),
    ...(plan.imports.get(file) ?? new Map<string, string>()),
  ].map(([specifier, name]) =>
    f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamespaceImport(f.createIdentifier(name))),
      f.createStringLiteral(specifier),
    ),
  );
  let afterImports = 0;
  statements.forEach((s, i) => ts.isImportDeclaration(s) && (afterImports = i + 1));
  statements.splice(afterImports, 0, ...imports);
  return f.updateSourceFile(file, statements);
}
