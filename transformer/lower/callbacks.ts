// Array methods with a callback written in place: xs.reduce((acc, x, i) => ..., init),
// xs.map((x, i) => ...), xs.forEach((x, i) => { ... }) and Array.from({ length: n }, (_, i) => ...).
// The callback's body is lowered inline as the body of a loop over the indices: the IR a
// for...of loop gives, so the backward sweep replays it like any loop, with no closure and
// no call per element. reduce carries its accumulator; map and Array.from push each result
// into a new array (a grown array, arrays.ts); forEach carries the function's variables the
// callback assigns, as a loop body would.
import ts from "typescript";
import { counterStep } from "../analysis/counters";
import { AdjointError } from "../diagnostics";
import { fence } from "../fence";
import { varAtom, type Atom, type Carried, type IndexBound, type Stmt, type VarId } from "../ir";
import { isTensorType, skipOuterExpressions } from "../sites";
import { arrayOf, lowerWalkedArray, readElement } from "./arrays";
import type { Env, LoweringContext } from "./context";
import { emitPrim, lowerExpr } from "./expressions";
import { isNumberType, joinKinds, valueKind } from "./kinds";
import { lowerList } from "./statements";
import { isArrayOfLayers, lowerDestructuring, readElementOf } from "./structures";
import { assignmentTarget, containsReturn, isDescendant } from "./syntax";

type Method = "reduce" | "map" | "forEach" | "from";
type Callback = ts.ArrowFunction | ts.FunctionExpression;

/** Which of the supported array methods `e` calls, if any. */
export function arrayMethod(cx: LoweringContext, e: ts.CallExpression): Method | undefined {
  const callee = skipOuterExpressions(e.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  const receiver = skipOuterExpressions(callee.expression);
  if (name === "from" && ts.isIdentifier(receiver) && receiver.text === "Array" && isGlobal(cx, receiver))
    return e.arguments.length === 2 && lengthOf(e.arguments[0]!) ? "from" : undefined;
  if (name !== "reduce" && name !== "map" && name !== "forEach") return undefined;
  const type = cx.checker.getTypeAtLocation(receiver);
  return cx.checker.isArrayType(type) || cx.checker.isTupleType(type) || cx.kindOf(receiver) === "array"
    ? name
    : undefined;
}

/** Lowers a call arrayMethod recognised; forEach gives undefined (it is a statement). */
export function lowerArrayMethod(
  cx: LoweringContext,
  e: ts.CallExpression,
  method: Method,
  out: Stmt[],
  env: Env,
  hint?: string,
): Atom | undefined {
  const arity = method === "reduce" ? 2 : 1;
  const callback = e.arguments[method === "from" ? 1 : 0];
  const fn = callback && skipOuterExpressions(callback);
  if (
    !fn ||
    !(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) ||
    (method !== "from" && e.arguments.length > arity)
  ) {
    throw new AdjointError(
      "ADJ203",
      e,
      `Give ${method} an arrow function written in place${method === "reduce" ? " (and an initial value if you like)" : ""}.`,
    );
  }
  fence(fn, true);
  const params = method === "reduce" ? 3 : 2;
  if (fn.parameters.length > params) {
    throw new AdjointError(
      "ADJ203",
      fn.parameters[params]!,
      `The ${method} callback may take ${method === "reduce" ? "the accumulator, " : ""}the element and its index.`,
    );
  }
  if (method !== "forEach") refuseOuterWrites(cx, fn, method);
  const source = method === "from" ? countSource(cx, e, out, env) : arraySource(cx, e, method, out, env);
  const [elementParam, indexParam] = method === "reduce" ? fn.parameters.slice(1) : fn.parameters;

  // The loop: the index (from 1 for a reduce without an initial value), plus what the method carries.
  let start = 0;
  let initial: Atom | undefined;
  let acc: VarId | undefined;
  if (method === "reduce") {
    if (e.arguments[1]) initial = lowerExpr(cx, e.arguments[1], out, env);
    else {
      initial = source.read!({ kind: "number", value: 0 }, out, env, e); // reduce's result is then an element
      start = 1;
    }
    const accParam = fn.parameters[0];
    const name = accParam && ts.isIdentifier(accParam.name) ? accParam.name.text : (hint ?? "acc");
    acc = cx.tempVar(joinKinds(cx.kindOfAtom(initial), cx.kindOf(e)), name);
  }
  const result = method === "map" || method === "from" ? newArray(cx, e, out, env, hint) : undefined;
  const index = cx.tempVar("number", indexParam && ts.isIdentifier(indexParam.name) ? indexParam.name.text : "index");
  cx.integers.add(index);

  const body: Stmt[] = [];
  const bodyEnv: Env = new Map(env);
  const nextIndex = emitPrim(cx, "+", [varAtom(index), { kind: "number", value: 1 }], body, fn, undefined, "number");
  // Carried besides: the function's variables a forEach callback assigns, the read counter of
  // logged reads, and the length of each array the callback pushes into.
  const outer = method === "forEach" ? assignedOutside(cx, fn) : [];
  const keys = [...outer, ...(cx.writtenArrays.size > 0 ? [cx.readCounterKey] : []), ...cx.grownIn([fn.body])];
  const hidden = keys.flatMap((key) => {
    const init = env.get(key);
    if (init === undefined) return [];
    if (init === "uninitialized")
      throw new AdjointError("ADJ206", fn, `Give \`${key.name}\` a value before the ${method}.`);
    const kind = outer.includes(key)
      ? joinKinds(cx.kindOfAtom(init), valueKind(cx.checker.getTypeOfSymbol(key)))
      : "number";
    return [{ key, id: cx.tempVar(kind, key.name ?? "reads"), init }];
  });
  hidden.forEach((h) => bodyEnv.set(h.key, varAtom(h.id)));

  cx.loopDepth++;
  if (acc !== undefined) bodyEnv.set(cx.symbolOf(fn.parameters[0]!.name), varAtom(acc));
  if (indexParam) bodyEnv.set(cx.symbolOf(indexParam.name), varAtom(index));
  if (elementParam && source.read) {
    const name = ts.isIdentifier(elementParam.name) ? elementParam.name.text : undefined;
    const element = source.read(varAtom(index), body, bodyEnv, elementParam.name, name);
    lowerDestructuring(cx, elementParam.name, element, body, bodyEnv);
  } else if (elementParam && !ts.isIdentifier(elementParam.name)) {
    throw new AdjointError("ADJ203", elementParam, "Array.from's callback reads no element: name it `_`.");
  }
  const value = lowerCallbackBody(cx, fn, method, body, bodyEnv);
  if (result !== undefined) body.push({ kind: "store", array: result, index: varAtom(index), value: value!, node: e });
  cx.loopDepth--;

  const carried: Carried[] = [{ var: index, init: { kind: "number", value: start }, next: nextIndex, counterStep: 1 }];
  if (acc !== undefined) carried.push({ var: acc, init: initial!, next: value! });
  for (const h of hidden) {
    const next = bodyEnv.get(h.key) as Atom;
    const step = cx.isInteger(h.init) ? counterStep(h.id, [{ value: next, block: body, broke: false }]) : undefined;
    if (step !== undefined) cx.integers.add(h.id);
    carried.push({ var: h.id, init: h.init, next, ...(step === undefined ? {} : { counterStep: step }) });
  }
  const cond: IndexBound = source.count ? { index, count: source.count } : { index, array: source.array! };
  out.push({ kind: "loop", cond, testAfter: false, carried, body, node: e });
  hidden.forEach((h) => env.set(h.key, varAtom(h.id)));
  if (acc !== undefined) return varAtom(acc);
  return result === undefined ? undefined : varAtom(result);
}

interface Source {
  readonly array?: Atom;
  readonly count?: Atom;
  /** Reads element `index` (undefined for Array.from, which has none). */
  readonly read?: (index: Atom, out: Stmt[], env: Env, node: ts.Node, name?: string) => Atom;
}

/** The array a method is called on: a number array, a local array of tensors, or an array of layers. */
function arraySource(cx: LoweringContext, e: ts.CallExpression, method: Method, out: Stmt[], env: Env): Source {
  const arrayExpr = (skipOuterExpressions(e.expression) as ts.PropertyAccessExpression).expression;
  const array = lowerWalkedArray(cx, arrayExpr, out, env);
  const element = elementType(cx, arrayExpr);
  if (array.kind === "var" && isArrayOfLayers(cx, array.id)) {
    return {
      array,
      read: (index, body, _env, node, name) => readElementOf(cx, array.id, index, element, body, node, name)!,
    };
  }
  if (array.kind === "var" && cx.writtenArrays.has(array.id)) {
    throw new AdjointError(
      "ADJ202",
      arrayExpr,
      `${method} over an array the function writes element by element is not supported; use a for loop.`,
    );
  }
  const tensors = array.kind === "var" && cx.tensorArrays.has(array.id) && isTensorType(element);
  // An array no gradient can flow into (a constant of the module, or a value kept as written)
  // is read as it is: activity analysis refuses it if a gradient would have to.
  const constant = array.kind === "constant" || (array.kind === "var" && cx.vars[array.id]!.kind === "other");
  if (!constant && (cx.kindOf(arrayExpr) !== "array" || (!isNumberType(element) && !tensors))) {
    throw new AdjointError(
      "ADJ202",
      arrayExpr,
      `${method} is supported over number arrays, arrays of tensors the function builds, and arrays of tensors or structures that are parameters or fields of one (p.layers).`,
    );
  }
  return {
    array,
    read: (index, body, bodyEnv, node, name) =>
      readElement(cx, array, index, body, bodyEnv, node as ts.Expression, name),
  };
}

/** Array.from({ length: n }, ...): n, a number. */
function countSource(cx: LoweringContext, e: ts.CallExpression, out: Stmt[], env: Env): Source {
  const length = lengthOf(e.arguments[0]!)!;
  if (!cx.isNumber(length)) throw new AdjointError("ADJ203", length, "Array.from's length must be a number.");
  return { count: lowerExpr(cx, length, out, env) };
}

/** The array map or Array.from fills, one element per index: of numbers or of tensors, as the callback returns. */
function newArray(cx: LoweringContext, e: ts.CallExpression, out: Stmt[], env: Env, hint?: string): VarId {
  const element = cx.checker.getTypeAtLocation(e).getNumberIndexType();
  const tensors = element !== undefined && isTensorType(element);
  if (!element || (!tensors && !isNumberType(element))) {
    throw new AdjointError(
      "ADJ203",
      e,
      "A differentiated map or Array.from must return numbers or tensors from its callback.",
    );
  }
  const array = arrayOf(cx, [], hint ?? "values", out, env, e) as Atom & { kind: "var" };
  if (tensors) cx.tensorArrays.add(array.id);
  return array.id;
}

/** The callback's value: its expression body, or the block's return (returns of the callback's own, not the function's). */
function lowerCallbackBody(
  cx: LoweringContext,
  callback: Callback,
  method: Method,
  body: Stmt[],
  env: Env,
): Atom | undefined {
  const outer = { returnsOf: cx.returnsOf, pairResult: cx.pairResult };
  cx.returnsOf = callback;
  cx.pairResult = false;
  try {
    if (!ts.isBlock(callback.body)) {
      if (method !== "forEach") return lowerExpr(cx, callback.body, body, env);
      throw new AdjointError("ADJ203", callback.body, "Give forEach a callback with a block body: (x) => { ... }.");
    }
    if (method === "forEach") {
      if (containsReturn(callback.body))
        throw new AdjointError(
          "ADJ202",
          callback.body,
          "A forEach callback cannot return; use a for...of loop with continue.",
        );
      const completion = lowerList(cx, callback.body.statements, [], body, env, {});
      if (completion !== undefined)
        throw new AdjointError(
          "ADJ202",
          callback.body,
          "A forEach callback that always throws is not supported: throw before the forEach, or only under a condition.",
        );
      return undefined;
    }
    // A return inside a loop of the callback would end the function's loop machinery's result, not the callback's.
    const loopWithReturn = callback.body.statements.find(
      (s) => ts.isIterationStatement(s, false) && containsReturn(s.statement),
    );
    if (loopWithReturn)
      throw new AdjointError("ADJ202", loopWithReturn, `Return from a ${method} callback outside its loops.`);
    const completion = lowerList(cx, callback.body.statements, [], body, env, {});
    if (completion?.kind !== "return")
      throw new AdjointError("ADJ207", callback, `End the ${method} callback with a return statement.`);
    return completion.value;
  } finally {
    cx.returnsOf = outer.returnsOf;
    cx.pairResult = outer.pairResult;
  }
}

/** reduce, map and Array.from callbacks assign only the variables they declare: their result is what they return. */
function refuseOuterWrites(cx: LoweringContext, callback: Callback, method: Method): void {
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
          `A ${method} callback may assign only its own variables: ${method === "reduce" ? "return the new accumulator" : "return the element"} instead, or use a for...of loop.`,
        );
    }
    ts.forEachChild(n, visit);
  };
  visit(callback.body);
}

/** The function's variables a forEach callback assigns (s = s + x): carried through the loop. */
function assignedOutside(cx: LoweringContext, callback: Callback): ts.Symbol[] {
  const found: ts.Symbol[] = [];
  const visit = (n: ts.Node): void => {
    const target = assignmentTarget(n);
    const symbol = target && ts.isIdentifier(target) ? cx.symbolAt(target) : undefined;
    if (symbol && !symbol.declarations?.some((d) => isDescendant(d, callback)) && !found.includes(symbol))
      found.push(symbol);
    ts.forEachChild(n, visit);
  };
  visit(callback.body);
  return found;
}

/** `n` in { length: n }. */
function lengthOf(e: ts.Expression): ts.Expression | undefined {
  const object = skipOuterExpressions(e);
  if (!ts.isObjectLiteralExpression(object) || object.properties.length !== 1) return undefined;
  const [p] = object.properties;
  if (p && ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === "length") return p.initializer;
  if (p && ts.isShorthandPropertyAssignment(p) && p.name.text === "length") return p.name;
  return undefined;
}

function isGlobal(cx: LoweringContext, e: ts.Identifier): boolean {
  const symbol = cx.symbolAt(e);
  return !symbol || !cx.isDeclaredInside(symbol);
}

function elementType(cx: LoweringContext, arrayExpr: ts.Expression): ts.Type {
  const type = cx.checker.getTypeAtLocation(arrayExpr);
  return type.getNumberIndexType() ?? cx.checker.getAnyType();
}
