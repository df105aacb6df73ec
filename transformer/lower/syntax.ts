// Questions about the TypeScript syntax tree that lowering and the fence both ask.
import ts from "typescript";
import { skipOuterExpressions } from "../sites";

export type LoopStatement = ts.WhileStatement | ts.DoStatement | ts.ForStatement | ts.ForOfStatement;

export function isLoopStatement(s: ts.Statement): s is LoopStatement {
  return ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForStatement(s) || ts.isForOfStatement(s);
}

/** The variable or property an assignment, compound assignment, ++ or -- writes; undefined for other nodes. */
export function assignmentTarget(node: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(node)) {
    const kind = node.operatorToken.kind;
    if (kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment)
      return skipOuterExpressions(node.left);
  }
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
  ) {
    return skipOuterExpressions(node.operand);
  }
  return undefined;
}

export function isDescendant(node: ts.Node, ancestor: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

export function statementsOf(s: ts.Statement): readonly ts.Statement[] {
  return ts.isBlock(s) ? s.statements : [s];
}

/**
 * The first statement in a loop body that leaves or skips part of it (nested functions,
 * and nested loops' and switches' own exits, aside): break or continue, or only break with
 * `onlyBreak`. Labelled ones are the fence's (fence.ts refuses them).
 */
export function findLoopExit(body: ts.Node, onlyBreak = false): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node, inNestedLoop: boolean): void => {
    if (found || ts.isFunctionLike(n)) return;
    const exit = ts.isBreakStatement(n) || (!onlyBreak && ts.isContinueStatement(n));
    if (exit && !inNestedLoop && !(n as ts.BreakStatement).label) {
      found = n;
      return;
    }
    const nested = inNestedLoop || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n);
    ts.forEachChild(n, (c) => visit(c, nested));
  };
  visit(body, false);
  return found;
}

/** Whether a return statement occurs in `node` or is `node`, not counting nested functions. */
export function containsReturn(node: ts.Node): boolean {
  if (ts.isReturnStatement(node)) return true;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

const COMPOUND_ASSIGNMENT: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusEqualsToken]: "+",
  [ts.SyntaxKind.MinusEqualsToken]: "-",
  [ts.SyntaxKind.AsteriskEqualsToken]: "*",
  [ts.SyntaxKind.SlashEqualsToken]: "/",
  [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: "**",
  [ts.SyntaxKind.PercentEqualsToken]: "%",
};

export function isPlainAssignment(e: ts.Expression): e is ts.BinaryExpression {
  return ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

/** The arithmetic operator of `y op= e` ("+" for y++, "-" for y--); undefined for an operator lowering does not know (&&=, <<=, ...). */
export function compoundOperator(e: ts.Expression): string | undefined {
  if (ts.isBinaryExpression(e)) return COMPOUND_ASSIGNMENT[e.operatorToken.kind];
  if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e))
    return e.operator === ts.SyntaxKind.PlusPlusToken
      ? "+"
      : e.operator === ts.SyntaxKind.MinusMinusToken
        ? "-"
        : undefined;
  return undefined;
}
