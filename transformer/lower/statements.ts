// Statements: one case for each kind of statement lowering represents (fence.ts has refused
// the others), declarations, and assignments as new SSA versions.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { statementName } from "../fence";
import type { Atom, Stmt } from "../ir";
import { skipOuterExpressions } from "../sites";
import { lowerDestructuring, lowerReturnedObject } from "./structures";
import { arrayOf, lowerArrayDeclaration, lowerElementAssignment, lowerPush } from "./arrays";
import {
  pushTarget,
  type Completion,
  type Continuation,
  type Env,
  type LoopBody,
  type LoweringContext,
  type ReturnTarget,
} from "./context";
import {
  endIteration,
  lowerEndingIf,
  lowerIf,
  lowerNestedReturningLoop,
  lowerReturningIf,
  lowerReturningLoop,
  switchAsIf,
} from "./control";
import { arrayMethod, lowerArrayMethod } from "./callbacks";
import { emitPrim, lowerExpr } from "./expressions";
import { lowerLoop } from "./loops";
import { opaque } from "./opaque";
import {
  assignmentTarget,
  compoundOperator,
  containsReturn,
  findLoopExit,
  isPlainAssignment,
  type LoopStatement,
} from "./syntax";

/**
 * Lowers `stmts`, then the continuation `rest`, into `out`. Inside a loop body (`loop`),
 * every path ends the iteration; elsewhere a path ends at a return or a throw, or falls
 * through (undefined).
 */
export function lowerList(
  cx: LoweringContext,
  stmts: readonly ts.Statement[],
  rest: Continuation,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
  loop?: LoopBody,
): Completion {
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i]!;
    const after = (): Continuation => [stmts.slice(i + 1), ...rest];
    switch (s.kind) {
      case ts.SyntaxKind.Block:
        return lowerList(cx, [...(s as ts.Block).statements, ...stmts.slice(i + 1)], rest, out, env, target, loop);
      case ts.SyntaxKind.EmptyStatement:
        continue;
      case ts.SyntaxKind.VariableStatement:
        lowerDeclarations(cx, (s as ts.VariableStatement).declarationList, out, env);
        continue;
      case ts.SyntaxKind.ExpressionStatement:
        lowerExpressionStatement(cx, (s as ts.ExpressionStatement).expression, out, env);
        continue;
      case ts.SyntaxKind.ReturnStatement: {
        // The fence refused a return without a value.
        const value = lowerReturned(cx, (s as ts.ReturnStatement).expression!, out, env);
        return loop ? endIteration(loop, out, env, true, value) : { kind: "return", value };
      }
      case ts.SyntaxKind.ThrowStatement:
        out.push({ kind: "throw", expr: opaque(cx, (s as ts.ThrowStatement).expression, env), node: s });
        return { kind: "throw" };
      case ts.SyntaxKind.BreakStatement:
      case ts.SyntaxKind.ContinueStatement:
        // The fence refused labelled ones and any outside a loop.
        return endIteration(loop!, out, env, s.kind === ts.SyntaxKind.BreakStatement);
      case ts.SyntaxKind.SwitchStatement:
        return lowerList(
          cx,
          [switchAsIf(s as ts.SwitchStatement), ...stmts.slice(i + 1)],
          rest,
          out,
          env,
          target,
          loop,
        );
      case ts.SyntaxKind.IfStatement: {
        const ifStatement = s as ts.IfStatement;
        if (loop && (findLoopExit(ifStatement) || containsReturn(ifStatement)))
          return lowerEndingIf(cx, ifStatement, after(), out, env, target, loop);
        if (containsReturn(ifStatement)) return lowerReturningIf(cx, ifStatement, after(), out, env, target);
        const completion = lowerIf(cx, ifStatement, out, env, target);
        if (completion) return completion;
        continue;
      }
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForOfStatement: {
        const loopStatement = s as LoopStatement;
        if (containsReturn(loopStatement.statement)) {
          return loop
            ? lowerNestedReturningLoop(cx, loopStatement, after(), out, env, target, loop)
            : lowerReturningLoop(cx, loopStatement, after(), out, env, target);
        }
        lowerLoop(cx, loopStatement, out, env);
        continue;
      }
      default:
        throw new Error(`adjoint internal error: the fence should have refused ${statementName(s)}`);
    }
  }
  const [next, ...later] = rest;
  if (next) return lowerList(cx, next, later, out, env, target, loop);
  return loop ? endIteration(loop, out, env, false) : undefined;
}

/** A returned value; with hasAux, `[value, aux]` is a pair whose first element is the result (plan.ts resultPair). */
export function lowerReturned(cx: LoweringContext, returned: ts.Expression, out: Stmt[], env: Env): Atom {
  const e = skipOuterExpressions(returned);
  // return { h, c } from the function itself (a helper: a callback's value is no object).
  if (ts.isObjectLiteralExpression(e) && cx.returnsOf === cx.fn && !cx.pairResult)
    return lowerReturnedObject(cx, e, out, env);
  // return [h, c] from a helper whose type is a tuple of tensors (not a number array).
  if (ts.isArrayLiteralExpression(e) && cx.returnsOf === cx.fn && !cx.pairResult && cx.returnKind() === "other")
    return lowerReturnedObject(cx, e, out, env);
  if (
    !cx.pairResult ||
    !ts.isArrayLiteralExpression(e) ||
    e.elements.length !== 2 ||
    e.elements.some(ts.isSpreadElement)
  )
    return lowerExpr(cx, returned, out, env);
  const pair = arrayOf(cx, e.elements, "result", out, env, e);
  cx.pairs.add((pair as Atom & { kind: "var" }).id);
  return pair;
}

export function lowerDeclarations(cx: LoweringContext, list: ts.VariableDeclarationList, out: Stmt[], env: Env): void {
  for (const decl of list.declarations) {
    if (ts.isArrayBindingPattern(decl.name) && bindsLiteral(decl.name, decl.initializer!)) {
      // const [a, b] = [x, x * 2]: every element is evaluated, then each name bound to its own.
      const elements = (skipOuterExpressions(decl.initializer!) as ts.ArrayLiteralExpression).elements;
      const names = decl.name.elements;
      const values = elements.map((element, i) => {
        const name = names[i];
        const hint = name && !ts.isOmittedExpression(name) ? (name.name as ts.Identifier).text : undefined;
        return lowerExpr(cx, element, out, env, hint);
      });
      names.forEach((name, i) => {
        if (!ts.isOmittedExpression(name)) env.set(cx.symbolOf(name.name as ts.Identifier), values[i]!);
      });
      continue;
    }
    if (!ts.isIdentifier(decl.name)) {
      lowerDestructuring(cx, decl.name, lowerExpr(cx, decl.initializer!, out, env), out, env);
      continue;
    }
    const named = decl as ts.VariableDeclaration & { name: ts.Identifier };
    const symbol = cx.symbolOf(named.name);
    const array = lowerArrayDeclaration(cx, named, symbol, list, out, env);
    const value =
      array ?? (decl.initializer ? lowerExpr(cx, decl.initializer, out, env, named.name.text) : "uninitialized");
    // An array map or Array.from made is the function's own: read by index, never passed on.
    if (!array && value !== "uninitialized" && value.kind === "var" && cx.localArrays.has(value.id)) {
      if (cx.elementWritten.has(symbol) || cx.pushed.has(symbol))
        throw new AdjointError(
          "ADJ205",
          named.name,
          "An array made by map or Array.from is not written: build it with the values it should hold.",
        );
      cx.localArraySymbols.add(symbol);
    }
    env.set(symbol, value);
  }
}

/** `[a, , c] = [x, y, z]`: plain names (no defaults, rest or nesting), each with an element of an array literal. */
function bindsLiteral(pattern: ts.ArrayBindingPattern, initializer: ts.Expression): boolean {
  const e = skipOuterExpressions(initializer);
  return (
    ts.isArrayLiteralExpression(e) &&
    !e.elements.some(ts.isSpreadElement) &&
    pattern.elements.length <= e.elements.length &&
    pattern.elements.every(
      (b) => ts.isOmittedExpression(b) || (ts.isIdentifier(b.name) && !b.dotDotDotToken && !b.initializer),
    )
  );
}

export function lowerExpressionStatement(cx: LoweringContext, expression: ts.Expression, out: Stmt[], env: Env): void {
  const e = skipOuterExpressions(expression);
  if (assignmentTarget(e)) return lowerAssignment(cx, e, out, env);
  const grown = pushTarget(e);
  if (grown && cx.isLocalArray(grown)) return lowerPush(cx, e as ts.CallExpression, out, env);
  if (ts.isCallExpression(e) && arrayMethod(cx, e) === "forEach")
    return void lowerArrayMethod(cx, e, "forEach", out, env);
  const expr = opaque(cx, e, env);
  // A statement kept for its effect could change an array the function reads (xs.reverse()).
  const array = [...expr.renames.values()].find((a) => a.kind === "var" && cx.vars[a.id]!.kind === "array");
  if (array)
    throw new AdjointError(
      "ADJ205",
      expression,
      "Differentiated code must not change its arrays through methods; copy the array first outside the function.",
    );
  out.push({ kind: "effect", expr, node: expression });
}

/** `y = e`, `y op= e`, `y++`: a new SSA version of y. */
function lowerAssignment(cx: LoweringContext, e: ts.Expression, out: Stmt[], env: Env): void {
  const target = assignmentTarget(e)!;
  if (ts.isElementAccessExpression(target) && cx.isLocalArray(target.expression))
    return lowerElementAssignment(cx, e, target, out, env);
  // An element of an array the function did not create (the fence refused other targets).
  if (!ts.isIdentifier(target)) {
    throw new AdjointError(
      "ADJ205",
      target,
      "Differentiated code may only assign its own local variables: declare one inside the function and return its value.",
    );
  }
  const symbol = cx.symbolOf(target);
  const current = env.get(symbol);
  if (current === undefined) {
    throw new AdjointError(
      "ADJ205",
      target,
      `Declare \`${target.text}\` inside the function, or return the value instead.`,
    );
  }
  const value = assignedValue(
    cx,
    e,
    out,
    env,
    () => {
      if (current === "uninitialized") throw new AdjointError("ADJ206", target);
      return current;
    },
    target.text,
  );
  env.set(symbol, value);
}

/** The value `y = e`, `y op= e` or `y++` assigns; `current` reads y's value before it (only a compound assignment does). */
export function assignedValue(
  cx: LoweringContext,
  e: ts.Expression,
  out: Stmt[],
  env: Env,
  current: () => Atom,
  hint?: string,
): Atom {
  if (isPlainAssignment(e)) return lowerExpr(cx, e.right, out, env, hint);
  // The fence refused the operators lowering does not know.
  const op = compoundOperator(e)!;
  const before = current();
  const right = ts.isBinaryExpression(e) ? lowerExpr(cx, e.right, out, env) : ({ kind: "number", value: 1 } as const);
  return emitPrim(cx, op, [before, right], out, e, hint);
}
