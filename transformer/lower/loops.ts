// Loops: while, do...while, for and for...of. The variables the body (or the for's update)
// reassigns are carried: each gets one mutable IR variable, read by the condition and the
// body and assigned its `next` at the end of an iteration. Where paths of an iteration end
// in several places (break, continue, return), the carried values meet in merge variables.
import ts from "typescript";
import { counterStep, type IterationEnd } from "../analysis/counters";
import { AdjointError } from "../diagnostics";
import {
  varAtom,
  type Atom,
  type Carried,
  type IndexBound,
  type Opaque,
  type Stmt,
  type ValueKind,
  type VarId,
} from "../ir";
import { skipOuterExpressions } from "../sites";
import { arrayOf, lowerWalkedArray, readElement, readsLocalArray } from "./arrays";
import { sameBinding, type Env, type LoopBody, type LoweringContext } from "./context";
import { emitPrim, lowerExpr } from "./expressions";
import { joinKinds, valueKind } from "./kinds";
import { opaque, readsLocals } from "./opaque";
import { isArrayOfLayers, isCollectionType, lowerDestructuring, readElementOf } from "./structures";
import { lowerDeclarations, lowerExpressionStatement, lowerList } from "./statements";
import { assignmentTarget, findLoopExit, statementsOf, type LoopStatement } from "./syntax";

/**
 * Lowers a loop into `out`. With `returns`, the body may return: the return ends the loop,
 * and the flag and value it leaves are the result.
 */
export function lowerLoop(
  cx: LoweringContext,
  s: LoopStatement,
  out: Stmt[],
  env: Env,
  returns = false,
): { returned: Atom; value: Atom } | undefined {
  if (ts.isForStatement(s) && s.initializer) {
    if (ts.isVariableDeclarationList(s.initializer)) lowerDeclarations(cx, s.initializer, out, env);
    else lowerExpressionStatement(cx, s.initializer, out, env);
  }
  const bodyStatements: ts.Statement[] = [...statementsOf(s.statement)];
  const incrementor = ts.isForStatement(s) ? s.incrementor : undefined;
  const update = incrementor && ((out: Stmt[], env: Env) => lowerExpressionStatement(cx, incrementor, out, env));
  const carried: { symbol: ts.Symbol; var: VarId; init: Atom }[] = [];
  // for (const v of xs): a hidden index carried from 0, and v = xs[index] at the top of the body.
  const forOf = ts.isForOfStatement(s) ? forOfParts(cx, s, out, env) : undefined;
  if (forOf) {
    const id = cx.tempVar("number", "index");
    carried.push({ symbol: forOf.indexKey, var: id, init: { kind: "number", value: 0 } });
    env.set(forOf.indexKey, varAtom(id));
  }
  for (const symbol of assignedIn(cx, incrementor ? [s.statement, incrementor] : [s.statement])) {
    const init = env.get(symbol);
    if (init === undefined) continue; // declared inside the body: an ordinary SSA value of the iteration
    if (init === "uninitialized")
      throw new AdjointError("ADJ206", s, `Give \`${symbol.name}\` a value before the loop.`);
    // The loop may assign it values of another kind than its first (let h: number | Tensor = 0):
    // its declared type covers them all.
    const id = cx.tempVar(joinKinds(cx.kindOfAtom(init), valueKind(cx.checker.getTypeOfSymbol(symbol))), symbol.name);
    carried.push({ symbol, var: id, init });
    env.set(symbol, varAtom(id));
  }
  // The read counter is carried through every loop that reads a local array.
  const overLocal = forOf?.array.kind === "var" && cx.writtenArrays.has(forOf.array.id);
  if (overLocal || (cx.localArraySymbols.size > 0 && readsLocalArray(cx, s))) {
    const id = cx.tempVar("number", "reads");
    carried.push({ symbol: cx.readCounterKey, var: id, init: env.get(cx.readCounterKey) as Atom });
    env.set(cx.readCounterKey, varAtom(id));
  }
  // The length of each array the loop pushes into is carried like a counter.
  for (const key of cx.grownIn(incrementor ? [s.statement, incrementor] : [s.statement])) {
    const id = cx.tempVar("number", key.name);
    carried.push({ symbol: key, var: id, init: env.get(key) as Atom });
    env.set(key, varAtom(id));
  }
  // The fence refused a for loop without a condition.
  const condExpr = ts.isForStatement(s) ? s.condition! : ts.isForOfStatement(s) ? undefined : s.expression;
  // A break clears a carried guard that the condition reads first.
  const breaks = findLoopExit(s.statement, true) !== undefined || returns;
  const guard = breaks ? cx.tempVar("other", "running") : undefined;
  const cond: Opaque | IndexBound = forOf
    ? { index: (env.get(forOf.indexKey) as Atom & { kind: "var" }).id, array: forOf.array }
    : opaque(cx, condExpr!, env);
  const loop: LoopBody = { ends: [], update };
  const body: Stmt[] = [];
  const bodyEnv = new Map(env);
  // The next index is computed once, first: every path (a break too, as nothing reads the
  // hidden index after the loop) carries the same value, so it stays a plain counter.
  const nextIndex =
    forOf &&
    emitPrim(
      cx,
      "+",
      [env.get(forOf.indexKey) as Atom, { kind: "number", value: 1 }],
      body,
      forOf.element,
      undefined,
      "number",
    );
  cx.loopDepth++;
  if (forOf) {
    const index = env.get(forOf.indexKey) as Atom;
    const { array, element } = forOf;
    const name = ts.isIdentifier(element) ? element.text : undefined;
    const value =
      array.kind === "var" && isArrayOfLayers(cx, array.id)
        ? readElementOf(cx, array.id, index, cx.checker.getTypeAtLocation(element), body, element, name)!
        : readElement(cx, array, index, body, bodyEnv, element as ts.Identifier, name);
    // for (const { w, b } of p.layers): the layer's fields, as a destructuring declaration binds them.
    lowerDestructuring(cx, element, value, body, bodyEnv);
  }
  const end = lowerList(cx, bodyStatements, [], body, bodyEnv, {}, loop);
  cx.loopDepth--;
  if (end?.kind !== "end" || loop.ends.length === 0)
    throw new AdjointError(
      "ADJ202",
      s.statement,
      "A loop body that always throws is not supported: throw before the loop, or only under a condition.",
    );
  // Where paths end in several places, the carried values meet in merge variables.
  const nextOf = (value: (e: LoopBody["ends"][number]) => Atom, kind: ValueKind, name: string): Atom => {
    const values = loop.ends.map(value);
    if (values.every((v) => sameBinding(v, values[0]!))) return values[0]!;
    const m = cx.tempVar(kind, name);
    loop.ends.forEach((e) => e.out.push({ kind: "merge", target: m, value: value(e) }));
    (loop.outermostIf!.merges as VarId[]).push(m);
    return varAtom(m);
  };
  const next = carried.map((c) =>
    c.symbol === forOf?.indexKey
      ? nextIndex!
      : nextOf((e) => e.env.get(c.symbol) as Atom, cx.vars[c.var]!.kind, c.symbol.name),
  );
  // A counter (analysis/counters.ts) from an integer start (the read counter always is one):
  // the backward loop recomputes it instead of reading a tape.
  const stepOf = (c: (typeof carried)[number]): number | undefined => {
    if (c.symbol !== cx.readCounterKey && !cx.isInteger(c.init)) return undefined;
    const ends: IterationEnd[] =
      c.symbol === forOf?.indexKey
        ? [{ value: nextIndex!, block: body, broke: false }]
        : loop.ends.map((e) => ({ value: e.env.get(c.symbol) as Atom, block: e.out, broke: e.broke }));
    return counterStep(c.var, ends);
  };
  const guardNext =
    guard === undefined ? undefined : nextOf((e) => ({ kind: "number", value: e.broke ? 0 : 1 }), "other", "running");
  // A return leaves a flag and its value in carried variables of their own.
  const returnedVar = returns ? cx.tempVar("other", "returned") : undefined;
  const valueVar = returns ? cx.tempVar(cx.returnKind(), "returnValue") : undefined;
  const returnCarried: Carried[] = [];
  if (returnedVar !== undefined && valueVar !== undefined) {
    const returnedNext = nextOf((e) => ({ kind: "number", value: e.returned ? 1 : 0 }), "other", "returned");
    const valueNext = nextOf((e) => e.returned ?? varAtom(valueVar), cx.vars[valueVar]!.kind, "returnValue");
    returnCarried.push(
      { var: returnedVar, init: { kind: "number", value: 0 }, next: returnedNext },
      { var: valueVar, init: { kind: "number", value: 0 }, next: valueNext },
    );
  }
  out.push({
    kind: "loop",
    cond,
    testAfter: ts.isDoStatement(s),
    carried: [
      ...carried.map((c, k): Carried => {
        const step = stepOf(c);
        // After the loop it holds a break's value too: an integer only if every break leaves one.
        if (step !== undefined && loop.ends.every((e) => !e.broke || cx.isInteger(e.env.get(c.symbol) as Atom)))
          cx.integers.add(c.var);
        return { var: c.var, init: c.init, next: next[k]!, ...(step === undefined ? {} : { counterStep: step }) };
      }),
      ...(guard === undefined ? [] : [{ var: guard, init: { kind: "number", value: 1 } as Atom, next: guardNext! }]),
      ...returnCarried,
    ],
    guard,
    body,
    node: s,
  });
  return returnedVar === undefined || valueVar === undefined
    ? undefined
    : { returned: varAtom(returnedVar), value: varAtom(valueVar) };
}

/** for (const v of xs): xs must be an array of numbers (the fence checked v is one declared variable). */
function forOfParts(
  cx: LoweringContext,
  s: ts.ForOfStatement,
  out: Stmt[],
  env: Env,
): { indexKey: ts.Symbol; array: Atom; element: ts.BindingName } {
  const element = (s.initializer as ts.VariableDeclarationList).declarations[0]!.name;
  // for (const layer of p.layers): over an array of tensors or structures the function takes.
  if (isCollectionType(cx.checker.getTypeAtLocation(s.expression), cx.checker)) {
    const array = lowerExpr(cx, s.expression, out, env);
    if (array.kind === "var" && isArrayOfLayers(cx, array.id)) return { indexKey: {} as ts.Symbol, array, element };
  }
  const tensors = cx.isLocalArray(s.expression) && cx.kindOf(element) === "tensor";
  if (cx.kindOf(s.expression) !== "array" || !ts.isIdentifier(element) || (!cx.isNumber(element) && !tensors)) {
    throw new AdjointError(
      "ADJ202",
      s.expression,
      "for...of is supported over number arrays, and over arrays of tensors or of structures that are parameters or fields of one (p.layers); use an index loop for anything else.",
    );
  }
  const literal = skipOuterExpressions(s.expression);
  // An array written in place from the function's values ([x, y * 2]) is an array of its
  // own, created before the loop, whose elements carry their gradients.
  if (
    ts.isArrayLiteralExpression(literal) &&
    readsLocals(cx, literal, env) &&
    !literal.elements.some(ts.isSpreadElement)
  ) {
    return { indexKey: {} as ts.Symbol, array: arrayOf(cx, literal.elements, "values", out, env, literal), element };
  }
  const array = lowerWalkedArray(cx, s.expression, out, env);
  // A key of its own in the environment, so the index is carried like a variable of the source.
  return { indexKey: {} as ts.Symbol, array, element };
}

/** Symbols a loop's statements assign (outside nested functions). */
function assignedIn(cx: LoweringContext, nodes: readonly ts.Node[]): ts.Symbol[] {
  const found: ts.Symbol[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    const target = assignmentTarget(n);
    const symbol = target && ts.isIdentifier(target) ? cx.symbolAt(target) : undefined;
    if (symbol && !found.includes(symbol)) found.push(symbol);
    ts.forEachChild(n, visit);
  };
  nodes.forEach(visit);
  return found;
}
