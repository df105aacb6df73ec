// TypeScript -> IR. Lowering puts a function in A-normal form and SSA (see ir.ts). The
// fence (fence.ts) first refuses what the syntax alone rules out; lowering then refuses,
// with a diagnostic on the node, what it finds it cannot represent exactly once it knows
// types, symbols and the function's variables.
//
//   context.ts      the state of lowering one function
//   statements.ts   the dispatch on the statement kind, declarations, assignments
//   control.ts      ifs, merges, early-return continuations, the ends of loop iterations
//   loops.ts        while, do...while, for, for...of and their carried variables
//   arrays.ts       arrays the function creates and writes element by element
//   structures.ts   fields read from structure parameters (p.w, p.enc.b, pair[0]) and arrays of layers (p.layers[i])
//   callbacks.ts    array methods with a callback (reduce), lowered as loops
//   expressions.ts  operators, conditionals, primitives (calls.ts: calls; opaque.ts: values kept as written)
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { fence } from "../fence";
import { varAtom, type LoweredFunction, type Param, type Stmt } from "../ir";
import { functionName, type FunctionNode } from "../sites";
import type { Completion, Env } from "./context";
import { LoweringContext } from "./context";
import { valueKind } from "./kinds";
import { lowerList, lowerReturned } from "./statements";
import { isCollectionType, isStructureType } from "./structures";
export { isNumberType, valueKind } from "./kinds";

export function lowerFunction(
  fn: FunctionNode,
  checker: ts.TypeChecker,
  reserved: ReadonlySet<string>,
  pairResult = false,
): LoweredFunction {
  fence(fn);
  const cx = new LoweringContext(fn, checker, reserved);
  cx.pairResult = pairResult;
  const env: Env = new Map();
  const params: Param[] = fn.parameters.map((p) => {
    // The fence refused destructured and rest parameters.
    const name = p.name as ts.Identifier;
    const type = checker.getTypeAtLocation(p);
    const structure = isStructureType(type, checker);
    const collection = isCollectionType(type, checker);
    const id = cx.newVar(name.text, structure || collection ? "other" : valueKind(type), true);
    if (structure) cx.structures.add(id);
    if (collection) cx.collections.add(id);
    env.set(cx.symbolOf(name), varAtom(id));
    return { id, decl: p };
  });
  const body: Stmt[] = [];
  env.set(cx.readCounterKey, { kind: "number", value: 0 });
  // The fence refused a function without a body.
  const completion: Completion = ts.isBlock(fn.body!)
    ? lowerList(cx, fn.body.statements, [], body, env, {})
    : { kind: "return", value: lowerReturned(cx, fn.body!, body, env) };
  if (completion?.kind !== "return") {
    throw new AdjointError(
      "ADJ207",
      fn.name ?? fn,
      `Add a return statement at the end of ${functionName(fn) ?? "the function"}.`,
    );
  }
  return {
    decl: fn,
    namer: cx.namer,
    temps: cx.temps,
    vars: cx.vars,
    params,
    body,
    result: completion.value,
    localArrays: cx.localArrays,
    structures: cx.structures,
    projections: cx.projections,
    incompleteStructures: cx.incompleteStructures,
    pairs: cx.pairs,
    collections: cx.collections,
    views: cx.views,
    tensorArrays: cx.tensorArrays,
    returnedObjects: cx.returnedObjects,
    callResults: cx.callResults,
    tupleResults: cx.tupleResults,
  };
}
