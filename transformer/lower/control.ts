// Control flow: ifs whose branches meet in merge variables, and early exits. Early returns
// are removed by copying the statements that follow an `if` containing a return into both
// of its branches (the continuation), so that every path ends in one result; the paths'
// results meet in a single merge variable. Inside a loop body, break, continue and return
// end a path of the iteration the same way (LoopBody).
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { varAtom, type Atom, type Stmt, type VarId } from "../ir";
import {
  sameBinding,
  type Completion,
  type Continuation,
  type Env,
  type LoopBody,
  type LoweringContext,
  type ReturnTarget,
} from "./context";
import { joinKinds } from "./kinds";
import { lowerLoop } from "./loops";
import { opaque } from "./opaque";
import { lowerList } from "./statements";
import { withoutFinalBreak } from "../fence";
import { findLoopExit, statementsOf, type LoopStatement } from "./syntax";

/**
 * switch (k) { case a: ...; break; case b: case c: ...; default: ... } as the if/else chain
 * if (k === a) { ... } else if (k === b || k === c) { ... } else { ... }, made of the switch's
 * own nodes (the fence checked no case falls through and the discriminant calls nothing, so
 * testing it again per case is the same). The new nodes take the switch's place in the tree
 * for diagnostics.
 */
export function switchAsIf(s: ts.SwitchStatement): ts.Statement {
  const f = ts.factory;
  const place = <T extends ts.Node>(node: T, range: ts.TextRange, parent: ts.Node): T => {
    ts.setTextRange(node, range);
    (node as { parent: ts.Node }).parent = parent;
    return node;
  };
  const groups: { tests: ts.Expression[]; body: readonly ts.Statement[]; clause: ts.CaseOrDefaultClause }[] = [];
  let tests: ts.Expression[] = [];
  let defaultBody: readonly ts.Statement[] | undefined;
  let defaultPending = false;
  for (const clause of s.caseBlock.clauses) {
    if (ts.isDefaultClause(clause)) defaultPending = true;
    else tests.push(clause.expression);
    if (clause.statements.length === 0) continue;
    const body = withoutFinalBreak(clause.statements);
    if (defaultPending) defaultBody = body;
    // case a: default: ... is the default: testing a first changes nothing.
    else groups.push({ tests, body, clause });
    tests = [];
    defaultPending = false;
  }
  let chain: ts.Statement | undefined = defaultBody && place(f.createBlock(defaultBody as ts.Statement[]), s, s.parent);
  for (const group of groups.reverse()) {
    const cond = group.tests
      .map((t) => place(f.createStrictEquality(s.expression, t), t, s))
      .reduce((a, b) => place(f.createLogicalOr(a, b), group.clause, s));
    const then = place(f.createBlock(group.body as ts.Statement[]), group.clause, s);
    chain = place(f.createIfStatement(cond, then, chain), group.clause, s.parent);
  }
  return chain ?? place(f.createBlock([]), s, s.parent);
}

/** A path of a loop iteration ends here: the for's update runs (unless it is a break) and its values are recorded. */
export function endIteration(loop: LoopBody, out: Stmt[], env: Env, broke: boolean, returned?: Atom): Completion {
  if (loop.update && !broke) loop.update(out, env);
  loop.ends.push({ env: new Map(env), out, broke, returned });
  return { kind: "end" };
}

/** An `if` with no return inside: both branches fall through, and the variables they change meet in merge variables. */
export function lowerIf(
  cx: LoweringContext,
  s: ts.IfStatement,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
): Completion {
  const cond = opaque(cx, s.expression, env, out);
  const thenEnv: Env = new Map(env);
  const elseEnv: Env = new Map(env);
  const thenOut: Stmt[] = [];
  const elseOut: Stmt[] = [];
  const thenEnd = lowerList(cx, statementsOf(s.thenStatement), [], thenOut, thenEnv, target);
  const elseEnd = s.elseStatement
    ? lowerList(cx, statementsOf(s.elseStatement), [], elseOut, elseEnv, target)
    : undefined;
  const merges: VarId[] = [];
  if (thenEnd?.kind === "throw" && elseEnd?.kind === "throw") {
    out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
    return { kind: "throw" };
  }
  for (const [symbol, before] of env) {
    const a = thenEnd?.kind === "throw" ? elseEnv.get(symbol)! : thenEnv.get(symbol)!;
    const b = elseEnd?.kind === "throw" ? thenEnv.get(symbol)! : elseEnv.get(symbol)!;
    if (sameBinding(a, b)) {
      if (!sameBinding(a, before)) env.set(symbol, a);
      continue;
    }
    if (a === "uninitialized" || b === "uninitialized") {
      env.set(symbol, "uninitialized");
      continue;
    }
    const m = cx.tempVar(joinKinds(cx.kindOfAtom(a), cx.kindOfAtom(b)), symbol.name);
    merges.push(m);
    if (thenEnd?.kind !== "throw") thenOut.push({ kind: "merge", target: m, value: a });
    if (elseEnd?.kind !== "throw") elseOut.push({ kind: "merge", target: m, value: b });
    env.set(symbol, varAtom(m));
  }
  out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
  return undefined;
}

/** An `if` containing a return: the rest of the function runs inside each branch, and the results meet in one variable. */
export function lowerReturningIf(
  cx: LoweringContext,
  s: ts.IfStatement,
  rest: Continuation,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
): Completion {
  const cond = opaque(cx, s.expression, env, out);
  const owner = target.id === undefined;
  if (owner) target.id = cx.tempVar(cx.returnKind(), "result");
  const result = target.id!;
  const branch = (stmt: ts.Statement | undefined): { out: Stmt[]; end: Completion } => {
    const branchOut: Stmt[] = [];
    const end = lowerList(cx, stmt ? statementsOf(stmt) : [], rest, branchOut, new Map(env), target);
    if (end === undefined)
      throw new AdjointError("ADJ207", stmt ?? s, "Add a return statement at the end of the function.");
    if (end.kind === "return" && !(end.value.kind === "var" && end.value.id === result)) {
      branchOut.push({ kind: "merge", target: result, value: end.value });
    }
    return { out: branchOut, end };
  };
  const thenBranch = branch(s.thenStatement);
  const elseBranch = branch(s.elseStatement);
  out.push({ kind: "if", cond, then: thenBranch.out, else: elseBranch.out, merges: owner ? [result] : [] });
  if (thenBranch.end?.kind === "throw" && elseBranch.end?.kind === "throw") return { kind: "throw" };
  return { kind: "return", value: varAtom(result) };
}

/** An if inside a loop body with a break, continue or return: the rest of the body runs inside each branch. */
export function lowerEndingIf(
  cx: LoweringContext,
  s: ts.IfStatement,
  rest: Continuation,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
  loop: LoopBody,
): Completion {
  const cond = opaque(cx, s.expression, env, out);
  const [thenOut, elseOut]: Stmt[][] = [[], []];
  const node: Stmt & { kind: "if" } = { kind: "if", cond, then: thenOut, else: elseOut, merges: [] };
  // Claimed before the branches are lowered, so an if nested in them is not taken for it.
  loop.outermostIf ??= node;
  lowerList(cx, statementsOf(s.thenStatement), rest, thenOut, new Map(env), target, loop);
  lowerList(cx, s.elseStatement ? statementsOf(s.elseStatement) : [], rest, elseOut, new Map(env), target, loop);
  out.push(node);
  return { kind: "end" };
}

/**
 * A loop with a return inside: the return ends the loop like a break and leaves its value
 * in a carried variable; after the loop, an if on whether it returned gives the function
 * its result or runs the rest of the function (the continuation, as for an early return).
 */
export function lowerReturningLoop(
  cx: LoweringContext,
  s: LoopStatement,
  rest: Continuation,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
): Completion {
  const { returned, value } = lowerLoop(cx, s, out, env, true)!;
  const owner = target.id === undefined;
  if (owner) target.id = cx.tempVar(cx.returnKind(), "result");
  const result = target.id!;
  const thenOut: Stmt[] = [{ kind: "merge", target: result, value }];
  const elseOut: Stmt[] = [];
  const end = lowerList(cx, [], rest, elseOut, new Map(env), target);
  // while (true) with no break only ever leaves by a return: nothing need follow it.
  const condition = ts.isForStatement(s) ? s.condition : s.expression;
  const endless = condition?.kind === ts.SyntaxKind.TrueKeyword && !findLoopExit(s.statement, true);
  if (end === undefined && !endless)
    throw new AdjointError("ADJ207", s, "Add a return statement at the end of the function.");
  if (end?.kind === "return" && !(end.value.kind === "var" && end.value.id === result))
    elseOut.push({ kind: "merge", target: result, value: end.value });
  out.push({ kind: "if", cond: returned, then: thenOut, else: elseOut, merges: owner ? [result] : [] });
  return { kind: "return", value: varAtom(result) };
}

/**
 * A loop with a return inside, in another loop's body: after it, an if on whether it
 * returned ends the enclosing iteration with that return, or runs the rest of the body.
 */
export function lowerNestedReturningLoop(
  cx: LoweringContext,
  s: LoopStatement,
  rest: Continuation,
  out: Stmt[],
  env: Env,
  target: ReturnTarget,
  loop: LoopBody,
): Completion {
  const { returned, value } = lowerLoop(cx, s, out, env, true)!;
  const [thenOut, elseOut]: Stmt[][] = [[], []];
  const node: Stmt & { kind: "if" } = { kind: "if", cond: returned, then: thenOut, else: elseOut, merges: [] };
  loop.outermostIf ??= node;
  endIteration(loop, thenOut, new Map(env), true, value);
  lowerList(cx, [], rest, elseOut, new Map(env), target, loop);
  out.push(node);
  return { kind: "end" };
}
