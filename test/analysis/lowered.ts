// Lowers one function of a small program, for tests of the analyses on the IR. The program
// is type-checked against the built runtime (dist/runtime), as in test/harness.ts.
import path from "node:path";
import ts from "typescript";
import type { LoweredFunction, Stmt, VarId } from "../../transformer/ir";
import { forEachStmt } from "../../transformer/ir";
import { lowerFunction } from "../../transformer/lower";
import { identifiersIn } from "../../transformer/naming";
import { compilerOptions } from "../harness";

const MAIN = "/virtual/src/main.ts";
const libraries = new Map<string, ts.SourceFile | undefined>();

/** Lowers the function declaration `name` of `source` (which may import from "adjoint"). */
export function lower(source: string, name = "f"): LoweredFunction {
  return lowerWithChecker(source, name).fn;
}

/** lower, with the checker of its program. */
export function lowerWithChecker(source: string, name = "f"): { fn: LoweredFunction; checker: ts.TypeChecker } {
  const host = ts.createCompilerHost(compilerOptions);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    if (fileName === MAIN) return ts.createSourceFile(fileName, source, languageVersion, true);
    if (!libraries.has(fileName)) libraries.set(fileName, getSourceFile(fileName, languageVersion, onError));
    return libraries.get(fileName);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === MAIN || fileExists(f);
  const program = ts.createProgram({ rootNames: [MAIN], options: compilerOptions, host });
  const file = program.getSourceFile(MAIN)!;
  const errors = ts
    .getPreEmitDiagnostics(program, file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (errors.length > 0) throw new Error(`the test program does not type-check: ${errors.join("; ")}`);
  const fn = file.statements.find(
    (s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name,
  );
  if (!fn) throw new Error(`no function ${name} in ${path.basename(MAIN)}`);
  const checker = program.getTypeChecker();
  return { fn: lowerFunction(fn, checker, identifiersIn(file)), checker };
}

/** The variable lowering named `name` (a parameter, a local or one of its SSA versions: y, y_1). */
export function v(fn: LoweredFunction, name: string): VarId {
  const found = fn.vars.find((x) => x.name === name);
  if (!found) throw new Error(`no variable ${name}; there are ${fn.vars.map((x) => x.name).join(", ")}`);
  return found.id;
}

export function names(fn: LoweredFunction, ids: Iterable<VarId>): string[] {
  return [...ids].map((id) => fn.vars[id]!.name).sort();
}

/** Every statement of the function, nested ones included. */
export function statements(fn: LoweredFunction): Stmt[] {
  const all: Stmt[] = [];
  forEachStmt(fn.body, (s) => all.push(s));
  return all;
}
