// Arrays the function creates and tracks element by element: [x, y * 2], or an allocation
// (new Float64Array(n), new Array(n).fill(c)) it writes with a[i] = v. Each element
// carries its own gradient; reads inside loops are logged, since the backward sweep
// recomputes an iteration after later writes.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { varAtom, type Atom, type Stmt } from "../ir";
import { isTensorType, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { emitPrim, lowerExpr } from "./expressions";
import { isNumberType } from "./kinds";
import { opaque, readsLocals } from "./opaque";
import { assignedValue } from "./statements";
import type { LoopStatement } from "./syntax";

/** The read log of the primal's logged reads (loggedIndex's operand 3); forward mode numbers its tangents' after it. */
const PRIMAL_LOG: Atom = { kind: "number", value: 0 };

type ArrayCreation =
  { kind: "literal"; elements: readonly ts.Expression[] } | { kind: "allocation"; fill?: ts.Expression };

/**
 * The value `const a = ...` binds when it declares an array the function tracks, or an
 * allocation it only reads; undefined for any other declaration.
 */
export function lowerArrayDeclaration(
  cx: LoweringContext,
  decl: ts.VariableDeclaration & { name: ts.Identifier },
  symbol: ts.Symbol,
  list: ts.VariableDeclarationList,
  out: Stmt[],
  env: Env,
): Atom | undefined {
  if (!decl.initializer) return undefined;
  if (cx.pushed.has(symbol)) return lowerGrownArray(cx, decl, symbol, list, out, env);
  if (isLocalArraySource(cx, symbol, decl.initializer, env)) {
    const creation = arrayCreation(decl.initializer, cx.checker);
    const element = cx.checker.getTypeAtLocation(decl.name).getNumberIndexType() ?? cx.checker.getAnyType();
    // [h, c] of tensors, only read: an array of tensors, each element's gradient its own.
    if (creation?.kind === "literal" && isTensorType(element) && !cx.elementWritten.has(symbol)) {
      const array = lowerLocalArray(cx, decl, creation, list, out, env);
      cx.tensorArrays.add((array as Atom & { kind: "var" }).id);
      return array;
    }
    if (!creation || !isNumberType(element)) {
      throw new AdjointError(
        "ADJ203",
        decl.initializer,
        "Create an array the function writes as [a, b, ...], new Float64Array(n), new Float32Array(n) or new Array(n).fill(c), of numbers.",
      );
    }
    return lowerLocalArray(cx, decl, creation, list, out, env);
  }
  const creation = arrayCreation(decl.initializer, cx.checker);
  if (creation?.kind === "allocation" && !(creation.fill && readsLocals(cx, creation.fill, env))) {
    // An allocation only read holds constants (zeros, or its fill): no gradient flows
    // through it, whatever its length depends on; allocated once, not at every read.
    const id = cx.tempVar("array", decl.name.text);
    out.push({
      kind: "let",
      target: id,
      op: { kind: "opaque", expr: opaque(cx, decl.initializer, env), nonDifferentiable: true },
      node: decl,
    });
    return varAtom(id);
  }
  return undefined;
}

/**
 * An array the function tracks element by element: one whose elements it assigns, or an
 * array literal of its own values ([x, y * 2]). A table of constants stays a constant.
 */
function isLocalArraySource(cx: LoweringContext, symbol: ts.Symbol, init: ts.Expression, env: Env): boolean {
  if (cx.elementWritten.has(symbol)) return true;
  const e = skipOuterExpressions(init);
  return ts.isArrayLiteralExpression(e) && readsLocals(cx, e, env);
}

/**
 * const ys: number[] = [] (or of tensors, or a literal to start from), grown by ys.push(v):
 * each push stores at the array's current length, which lowering keeps as a value of its
 * own (lengthKeys), carried through loops like a counter. An element is written once, so a
 * read needs no log: the backward sweep finds what the primal read.
 */
function lowerGrownArray(
  cx: LoweringContext,
  decl: ts.VariableDeclaration & { name: ts.Identifier },
  symbol: ts.Symbol,
  list: ts.VariableDeclarationList,
  out: Stmt[],
  env: Env,
): Atom {
  const init = skipOuterExpressions(decl.initializer!);
  const element = cx.checker.getTypeAtLocation(decl.name).getNumberIndexType();
  const tensors = element !== undefined && isTensorType(element);
  if (
    !ts.isArrayLiteralExpression(init) ||
    init.elements.some(ts.isSpreadElement) ||
    !element ||
    (!tensors && !isNumberType(element))
  ) {
    throw new AdjointError(
      "ADJ203",
      decl.initializer!,
      "Start an array the function pushes into from an array literal ([] or [a, b]) of numbers or of tensors, typed as such (const ys: number[] = []).",
    );
  }
  refuseMisplaced(cx, decl, symbol, list, "pushes into", "push into it");
  if (tensors && cx.elementWritten.has(symbol))
    throw new AdjointError(
      "ADJ205",
      decl.name,
      "An array of tensors grows by push only: push a new tensor instead of assigning an element.",
    );
  cx.localArraySymbols.add(symbol);
  const array = arrayOf(cx, init.elements, decl.name.text, out, env, decl) as Atom & { kind: "var" };
  if (cx.elementWritten.has(symbol)) cx.writtenArrays.add(array.id);
  if (tensors) cx.tensorArrays.add(array.id);
  const length = { name: `${decl.name.text}Length` } as unknown as ts.Symbol;
  cx.lengthKeys.set(symbol, length);
  env.set(length, { kind: "number", value: init.elements.length });
  return array;
}

/**
 * An array the function writes or grows is created at the top of its body (a recomputed
 * iteration writes nothing) and declared with const (its writes are followed under one name).
 */
function refuseMisplaced(
  cx: LoweringContext,
  decl: ts.VariableDeclaration & { name: ts.Identifier },
  symbol: ts.Symbol,
  list: ts.VariableDeclarationList,
  verb: string,
  instead: string,
): void {
  if (cx.loopDepth > 0 || list.parent?.parent !== cx.fn.body) {
    throw new AdjointError(
      "ADJ203",
      decl,
      `Create arrays the function ${verb} at the top of the function body, outside loops and branches.`,
    );
  }
  if (cx.reassigned.has(symbol))
    throw new AdjointError("ADJ205", decl.name, `Declare the array with const and ${instead}.`);
}

/** ys.push(a, b): stores at the current length, which moves on by one per value. */
export function lowerPush(cx: LoweringContext, e: ts.CallExpression, out: Stmt[], env: Env): void {
  const target = skipOuterExpressions((skipOuterExpressions(e.expression) as ts.PropertyAccessExpression).expression);
  const symbol = cx.symbolOf(target);
  const lengthKey = cx.lengthKeys.get(symbol);
  const array = env.get(symbol);
  if (!lengthKey || !array || array === "uninitialized" || array.kind !== "var") {
    throw new AdjointError(
      "ADJ203",
      e,
      "Push only into an array the function creates at the top of its body (const ys: number[] = []).",
    );
  }
  for (const argument of e.arguments) {
    if (ts.isSpreadElement(argument))
      throw new AdjointError("ADJ203", argument, "Push the values one by one instead of spreading them.");
    const value = lowerExpr(cx, argument, out, env);
    const index = env.get(lengthKey) as Atom;
    out.push({ kind: "store", array: array.id, index, value, node: e });
    env.set(lengthKey, emitPrim(cx, "+", [index, { kind: "number", value: 1 }], out, e, undefined, "number"));
  }
}

/**
 * const a = [x, y] or new Float64Array(n) (or new Array(n).fill(c)): an array of numbers
 * the function tracks element by element. One it writes is created at the top level of the
 * function body (an early return may copy it into a branch, with everything after it): a
 * recomputed iteration writes nothing. A literal only read may be created anywhere: the
 * backward sweep of its block gives it a gradient array of its own each time.
 */
function lowerLocalArray(
  cx: LoweringContext,
  decl: ts.VariableDeclaration & { name: ts.Identifier },
  creation: ArrayCreation,
  list: ts.VariableDeclarationList,
  out: Stmt[],
  env: Env,
): Atom {
  const symbol = cx.symbolOf(decl.name);
  // A literal only read may be created anywhere (its block's sweep gives it a gradient of its own).
  if (cx.elementWritten.has(symbol)) refuseMisplaced(cx, decl, symbol, list, "writes", "write its elements");
  else if (cx.reassigned.has(symbol))
    throw new AdjointError("ADJ205", decl.name, "Declare the array with const and write its elements.");
  if (creation.kind === "literal") {
    cx.localArraySymbols.add(symbol);
    const array = arrayOf(cx, creation.elements, decl.name.text, out, env, decl);
    if (cx.elementWritten.has(symbol)) cx.writtenArrays.add((array as Atom & { kind: "var" }).id);
    return array;
  }
  // An allocation: its length and fill value are kept as written, and no gradient flows through them.
  const expr = opaque(cx, decl.initializer!, env);
  if (creation.fill && opaque(cx, creation.fill, env).renames.size > 0) {
    throw new AdjointError(
      "ADJ203",
      creation.fill,
      "Fill the array with a constant, then assign the elements that depend on the inputs.",
    );
  }
  const id = cx.tempVar("array", decl.name.text);
  out.push({ kind: "let", target: id, op: { kind: "opaque", expr, nonDifferentiable: true }, node: decl });
  cx.localArraySymbols.add(symbol);
  cx.localArrays.add(id);
  cx.writtenArrays.add(id);
  return varAtom(id);
}

/** [a, b, c] of the function's values: an array it tracks element by element, each element's gradient its own. */
export function arrayOf(
  cx: LoweringContext,
  elements: readonly ts.Expression[],
  name: string,
  out: Stmt[],
  env: Env,
  node: ts.Node,
): Atom {
  const args = elements.map((e) => lowerExpr(cx, e, out, env));
  const id = cx.tempVar("array", name);
  out.push({ kind: "let", target: id, op: { kind: "prim", prim: "arrayOf", args }, node });
  cx.localArrays.add(id);
  return varAtom(id);
}

/** a[i] = v, a[i] += v, ...: a store into an array the function created. */
export function lowerElementAssignment(
  cx: LoweringContext,
  e: ts.Expression,
  target: ts.ElementAccessExpression,
  out: Stmt[],
  env: Env,
): void {
  const index = skipOuterExpressions(target.argumentExpression);
  if (ts.isPropertyAccessExpression(index) && index.name.text === "length") {
    throw new AdjointError(
      "ADJ205",
      target,
      "An array the function writes keeps its length: create it with its final length and assign a[i] within it.",
    );
  }
  const array = lowerExpr(cx, target.expression, out, env);
  const indexAtom = lowerExpr(cx, target.argumentExpression, out, env);
  const value = assignedValue(cx, e, out, env, () => readElement(cx, array, indexAtom, out, env, target));
  out.push({ kind: "store", array: (array as Atom & { kind: "var" }).id, index: indexAtom, value, node: e });
}

/** x[i]: a parameter's element, or a local array's (logged when inside a loop). */
export function readElement(
  cx: LoweringContext,
  array: Atom,
  index: Atom,
  out: Stmt[],
  env: Env,
  node: ts.Expression,
  hint?: string,
): Atom {
  if (array.kind !== "var" || !cx.writtenArrays.has(array.id) || cx.loopDepth === 0)
    return emitPrim(cx, "index", [array, index], out, node, hint);
  const counter = env.get(cx.readCounterKey) as Atom;
  const value = emitPrim(cx, "loggedIndex", [array, index, counter, PRIMAL_LOG], out, node, hint);
  env.set(
    cx.readCounterKey,
    emitPrim(cx, "+", [counter, { kind: "number", value: 1 }], out, node, undefined, "number"),
  );
  return value;
}

/** Whether a loop reads an element of a local array (its update and condition included). */
export function readsLocalArray(cx: LoweringContext, s: LoopStatement): boolean {
  let found = ts.isForOfStatement(s) && cx.isLocalArray(s.expression);
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    // A plain store (a[i] = v) reads nothing; a compound one (a[i] += v) does.
    const stored =
      ts.isBinaryExpression(n.parent) &&
      n.parent.left === n &&
      n.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    if (ts.isElementAccessExpression(n) && cx.isLocalArray(n.expression, true) && !stored) found = true;
    else if (ts.isForOfStatement(n) && cx.isLocalArray(n.expression, true)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(s);
  return found;
}

/**
 * [a, b, c] (not empty: a number[] must not grow), new Float64Array(n), new Float32Array(n),
 * new Array(n).fill(c), Array(n).fill(c), with n a number (not an array to copy).
 */
function arrayCreation(init: ts.Expression, checker: ts.TypeChecker): ArrayCreation | undefined {
  const e = skipOuterExpressions(init);
  if (ts.isArrayLiteralExpression(e))
    return e.elements.length === 0 || e.elements.some(ts.isSpreadElement)
      ? undefined
      : { kind: "literal", elements: e.elements };
  const isConstructor = (x: ts.Expression, names: readonly string[]): boolean =>
    (ts.isNewExpression(x) || ts.isCallExpression(x)) &&
    ts.isIdentifier(x.expression) &&
    names.includes(x.expression.text) &&
    x.arguments?.length === 1 &&
    isNumberType(checker.getTypeAtLocation(x.arguments[0]!));
  if (ts.isNewExpression(e) && isConstructor(e, ["Float64Array", "Float32Array"])) return { kind: "allocation" };
  if (
    ts.isCallExpression(e) &&
    ts.isPropertyAccessExpression(e.expression) &&
    e.expression.name.text === "fill" &&
    e.arguments.length === 1
  ) {
    if (isConstructor(skipOuterExpressions(e.expression.expression), ["Array"]))
      return { kind: "allocation", fill: e.arguments[0] };
  }
  return undefined;
}

/**
 * The array a loop walks (for...of, reduce, map): an array written in place of constants
 * ([1, 2, 3]) is built once before the loop, not at every read.
 */
export function lowerWalkedArray(cx: LoweringContext, e: ts.Expression, out: Stmt[], env: Env): Atom {
  const array = lowerExpr(cx, e, out, env);
  const written = skipOuterExpressions(e);
  if (array.kind !== "constant" || ts.isIdentifier(written) || ts.isPropertyAccessExpression(written)) return array;
  const id = cx.tempVar("other", "values");
  out.push({
    kind: "let",
    target: id,
    op: { kind: "opaque", expr: opaque(cx, e, env), nonDifferentiable: true },
    node: e,
  });
  return varAtom(id);
}
