// Array methods with a callback: xs.reduce((acc, x, i) => ..., init). The callback's body
// is lowered inline as the body of a loop over the array's indices, with the accumulator
// carried: the same IR a for...of loop with `acc = ...` gives, so the backward sweep
// replays it like any loop. The callback may read the function's variables, but assigns
// only its own.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { fence } from "../fence";
import { varAtom, type Atom, type Carried, type Stmt } from "../ir";
import { skipOuterExpressions } from "../sites";
import { readElement } from "./arrays";
import type { Env, LoweringContext } from "./context";
import { emitPrim, lowerExpr } from "./expressions";
import { isNumberType, joinKinds } from "./kinds";
import { lowerList, lowerReturned } from "./statements";
import { lowerDestructuring, readAt } from "./structures";
import { assignmentTarget, containsReturn, isDescendant } from "./syntax";

/** Whether `e` calls `xs.reduce(...)` on an array (of numbers, of tensors or of structures). */
export function isReduceCall(cx: LoweringContext, e: ts.CallExpression): boolean {
  const callee = skipOuterExpressions(e.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "reduce") return false;
  const type = cx.checker.getTypeAtLocation(callee.expression);
  return cx.checker.isArrayType(type) || cx.checker.isTupleType(type) || cx.kindOf(callee.expression) === "array";
}

export function lowerReduce(cx: LoweringContext, e: ts.CallExpression, out: Stmt[], env: Env, hint?: string): Atom {
  const arrayExpr = (skipOuterExpressions(e.expression) as ts.PropertyAccessExpression).expression;
  const callback = e.arguments[0] && skipOuterExpressions(e.arguments[0]);
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) || e.arguments.length > 2) {
    throw new AdjointError(
      "ADJ203",
      e,
      "Give reduce an arrow function written in place, and an initial value if you like.",
    );
  }
  fence(callback, true);
  if (callback.parameters.length > 3) {
    throw new AdjointError(
      "ADJ203",
      callback.parameters[3]!,
      "The reduce callback may take the accumulator, the element and its index.",
    );
  }
  refuseOuterWrites(cx, callback);
  const array = lowerExpr(cx, arrayExpr, out, env);
  const collection = array.kind === "var" && cx.collections.has(array.id);
  if (!collection && array.kind === "var" && cx.writtenArrays.has(array.id)) {
    throw new AdjointError(
      "ADJ202",
      arrayExpr,
      "reduce over an array the function writes is not supported; use a for loop.",
    );
  }
  if (!collection && (cx.kindOf(arrayExpr) !== "array" || !isNumberType(elementType(cx, arrayExpr)))) {
    throw new AdjointError(
      "ADJ202",
      arrayExpr,
      "reduce is supported over number arrays, and over arrays of tensors or structures that are parameters or fields of one (p.layers).",
    );
  }
  const read = (index: Atom, body: Stmt[], bodyEnv: Env, node: ts.Node, name?: string): Atom =>
    collection
      ? readAt(cx, array.id, { collection: array.id, index, keys: [] }, elementType(cx, arrayExpr), body, node, name)!
      : readElement(cx, array, index, body, bodyEnv, node as ts.Expression, name);

  // Without an initial value the first element is the start, and the loop begins at 1.
  const initial = e.arguments[1]
    ? lowerExpr(cx, e.arguments[1], out, env)
    : read({ kind: "number", value: 0 }, out, env, e); // without an initial value, reduce's result is an element
  const [accParam, elementParam, indexParam] = callback.parameters;
  const index = cx.tempVar("number", indexParam ? (indexParam.name as ts.Identifier).text : "index");
  cx.integers.add(index);
  const accName = accParam ? (accParam.name as ts.Identifier).text : (hint ?? "acc");
  const acc = cx.tempVar(joinKinds(cx.kindOfAtom(initial), cx.kindOf(e)), accName);

  const body: Stmt[] = [];
  const bodyEnv: Env = new Map(env);
  const nextIndex = emitPrim(cx, "+", [varAtom(index), { kind: "number", value: 1 }], body, callback);
  const counter = env.get(cx.readCounterKey) as Atom;
  const reads = cx.writtenArrays.size > 0 ? cx.tempVar("number", "reads") : undefined;
  if (reads !== undefined) bodyEnv.set(cx.readCounterKey, varAtom(reads));
  cx.loopDepth++;
  if (accParam) bodyEnv.set(cx.symbolOf(accParam.name), varAtom(acc));
  if (indexParam) bodyEnv.set(cx.symbolOf(indexParam.name), varAtom(index));
  if (elementParam) {
    const name = ts.isIdentifier(elementParam.name) ? elementParam.name.text : undefined;
    const element = read(varAtom(index), body, bodyEnv, elementParam.name, name);
    lowerDestructuring(cx, elementParam.name, element, body, bodyEnv);
  }
  const next = lowerCallbackBody(cx, callback, body, bodyEnv);
  cx.loopDepth--;

  const carried: Carried[] = [
    { var: index, init: { kind: "number", value: e.arguments[1] ? 0 : 1 }, next: nextIndex, counterStep: 1 },
    { var: acc, init: initial, next },
  ];
  if (reads !== undefined) carried.push({ var: reads, init: counter, next: bodyEnv.get(cx.readCounterKey) as Atom });
  out.push({ kind: "loop", cond: { index, array }, testAfter: false, carried, body, node: e });
  if (reads !== undefined) env.set(cx.readCounterKey, varAtom(reads));
  return varAtom(acc);
}

/** The callback's result: its expression body, or the block's return (returns of the callback's own, not the function's). */
function lowerCallbackBody(
  cx: LoweringContext,
  callback: ts.ArrowFunction | ts.FunctionExpression,
  body: Stmt[],
  env: Env,
): Atom {
  const outer = { returnsOf: cx.returnsOf, pairResult: cx.pairResult };
  cx.returnsOf = callback;
  cx.pairResult = false;
  try {
    if (!ts.isBlock(callback.body)) return lowerExpr(cx, callback.body, body, env);
    // A return inside a loop of the callback would end the function's loop machinery's result, not the callback's.
    const loopWithReturn = callback.body.statements.find(
      (s) => ts.isIterationStatement(s, false) && containsReturn(s.statement),
    );
    if (loopWithReturn)
      throw new AdjointError("ADJ202", loopWithReturn, "Return from a reduce callback outside its loops.");
    const completion = lowerList(cx, callback.body.statements, [], body, env, {});
    if (completion?.kind !== "return")
      throw new AdjointError("ADJ207", callback, "End the reduce callback with a return statement.");
    return completion.value;
  } finally {
    cx.returnsOf = outer.returnsOf;
    cx.pairResult = outer.pairResult;
  }
}

/** The callback may assign only the variables it declares: anything else would change between iterations unseen. */
function refuseOuterWrites(cx: LoweringContext, callback: ts.ArrowFunction | ts.FunctionExpression): void {
  const visit = (n: ts.Node): void => {
    const target = assignmentTarget(n);
    if (target) {
      const root = ts.isElementAccessExpression(target) ? skipOuterExpressions(target.expression) : target;
      const symbol = ts.isIdentifier(root) ? cx.symbolAt(root) : undefined;
      const declaredInside = symbol?.declarations?.some((d) => isDescendant(d, callback)) ?? false;
      if (!declaredInside)
        throw new AdjointError(
          "ADJ205",
          target,
          "A reduce callback may assign only its own variables: return the new accumulator instead.",
        );
    }
    ts.forEachChild(n, visit);
  };
  visit(callback.body);
}

function elementType(cx: LoweringContext, arrayExpr: ts.Expression): ts.Type {
  const type = cx.checker.getTypeAtLocation(arrayExpr);
  return type.getNumberIndexType() ?? cx.checker.getAnyType();
}
