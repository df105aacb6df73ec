// The fence (after Tangent's fence.py): every construct refused on its syntax alone, found
// in one pass over the function before lowering starts. Lowering keeps the refusals that
// need what it knows (types, symbols, the function's variables and arrays).
//
// It visits what lowering would reach: a statement after a return, throw, break or
// continue (or an if whose branches all end so) never runs, and lowering never sees it.
import ts from "typescript";
import { AdjointError } from "./diagnostics";
import {
  assignmentTarget,
  compoundOperator,
  findLoopExit,
  isPlainAssignment,
  statementsOf,
  type LoopStatement,
} from "./lower/syntax";
import { containsCall, skipOuterExpressions, type FunctionNode } from "./sites";

export function fence(fn: FunctionNode, destructuredParameters = false): void {
  if (fn.asteriskToken || fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
    throw new AdjointError("ADJ106", fn.name ?? fn);
  }
  // A reduce callback's element may be destructured (lower/callbacks.ts): it is bound like a declaration.
  for (const p of fn.parameters) {
    if (
      (!ts.isIdentifier(p.name) && !destructuredParameters) ||
      p.dotDotDotToken ||
      (destructuredParameters && p.initializer)
    )
      throw new AdjointError("ADJ105", p);
  }
  if (!fn.body)
    throw new AdjointError(
      "ADJ101",
      fn,
      "This declaration has no body (an overload or a declare): differentiate the implementation.",
    );
  if (ts.isBlock(fn.body)) visitList(fn.body.statements, false);
}

/** Visits a statement list up to its first statement that cannot complete; whether the list can. */
function visitList(statements: readonly ts.Statement[], inLoop: boolean): boolean {
  for (const s of statements) if (!visitStatement(s, inLoop)) return false;
  return true;
}

/** Refuses what `s` holds that lowering cannot represent; whether it can complete (not by return, throw, break or continue). */
function visitStatement(s: ts.Statement, inLoop: boolean): boolean {
  switch (s.kind) {
    case ts.SyntaxKind.Block:
      return visitList((s as ts.Block).statements, inLoop);
    case ts.SyntaxKind.EmptyStatement:
      return true;
    case ts.SyntaxKind.VariableStatement:
      visitDeclarations((s as ts.VariableStatement).declarationList);
      return true;
    case ts.SyntaxKind.ExpressionStatement:
      visitExpressionStatement((s as ts.ExpressionStatement).expression);
      return true;
    case ts.SyntaxKind.ReturnStatement:
      if (!(s as ts.ReturnStatement).expression) throw new AdjointError("ADJ207", s, "Return a number.");
      return false;
    case ts.SyntaxKind.ThrowStatement:
      return false;
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
      // Inside a loop, labelled ones were refused with the loop (visitLoop).
      if (!inLoop) throw unsupported(s);
      return false;
    case ts.SyntaxKind.IfStatement: {
      const { thenStatement, elseStatement } = s as ts.IfStatement;
      const thenCompletes = visitList(statementsOf(thenStatement), inLoop);
      const elseCompletes = elseStatement ? visitList(statementsOf(elseStatement), inLoop) : true;
      return thenCompletes || elseCompletes;
    }
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.ForOfStatement:
      visitLoop(s as LoopStatement);
      return true;
    case ts.SyntaxKind.SwitchStatement:
      return visitSwitch(s as ts.SwitchStatement, inLoop);
    case ts.SyntaxKind.ForInStatement:
      throw new AdjointError("ADJ202", s, "Use a for...of or an index loop over an array, or a while loop.");
    case ts.SyntaxKind.FunctionDeclaration:
      throw new AdjointError("ADJ210", s, "Move the function outside the differentiated function.");
    default:
      throw unsupported(s);
  }
}

/**
 * switch (k) on a value kept as written: lowered as if/else on k === each case
 * (lower/control.ts switchAsIf), so every case must end where it leaves the switch: at a
 * final break, a return, a throw or a continue. A case that falls into the next (unless it
 * is empty: case 1: case 2:) or a break elsewhere in a case is refused.
 */
function visitSwitch(s: ts.SwitchStatement, inLoop: boolean): boolean {
  if (containsCall(s.expression))
    throw new AdjointError(
      "ADJ201",
      s.expression,
      "Switch on a variable or a field: compute the value into a const first, or write the cases as if / else.",
    );
  const clauses = s.caseBlock.clauses;
  let completes = !clauses.some(ts.isDefaultClause);
  clauses.forEach((clause, k) => {
    if (clause.statements.length === 0) return;
    const body = withoutFinalBreak(clause.statements);
    // A break inside an if of the case (not inside a loop of its own) would leave the switch early.
    const stray = body.map((b) => (ts.isBreakStatement(b) ? b : findLoopExit(b, true))).find((b) => b !== undefined);
    if (stray)
      throw new AdjointError(
        "ADJ201",
        stray,
        "Leave a switch case only at its end: make break its last statement, or write the cases as if / else.",
      );
    const broke = body !== clause.statements;
    const falls = visitList(body, inLoop) && !broke;
    if (falls && k < clauses.length - 1)
      throw new AdjointError(
        "ADJ201",
        clause,
        "A case that falls through into the next is not supported: end it with break, or write the cases as if / else (case 1: case 2: with nothing between them is fine).",
      );
    if (falls || broke) completes = true;
  });
  return completes;
}

/** A case's statements without the break that ends it. */
export function withoutFinalBreak(statements: readonly ts.Statement[]): readonly ts.Statement[] {
  const last = statements.at(-1);
  if (last && ts.isBreakStatement(last) && !last.label) return statements.slice(0, -1);
  // case 3: { ...; break; }: the break ends the block that is the case.
  if (last && ts.isBlock(last)) {
    const inner = withoutFinalBreak(last.statements);
    if (inner !== last.statements) return [...statements.slice(0, -1), ...inner];
  }
  return statements;
}

function unsupported(s: ts.Statement): AdjointError {
  const instead = INSTEAD[s.kind];
  return new AdjointError(
    "ADJ201",
    s,
    instead
      ? `Instead of ${statementName(s)}, ${instead}.`
      : `Instead of ${statementName(s)}, write the computation with const and let declarations, assignments, if / else, loops and return.`,
  );
}

/** What to write instead of a statement the fence refuses, by its kind. */
const INSTEAD: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.TryStatement]:
    "let errors propagate out of the function and catch them around the call of the gradient (a throw is fine)",
  [ts.SyntaxKind.LabeledStatement]:
    "remove the label; to leave nested loops, set a flag that the loops' conditions test",
  [ts.SyntaxKind.BreakStatement]: "end the branch with if / else or a return",
  [ts.SyntaxKind.ContinueStatement]: "end the branch with if / else or a return",
  [ts.SyntaxKind.ClassDeclaration]: "declare the class outside the differentiated function",
  [ts.SyntaxKind.InterfaceDeclaration]: "declare the type outside the differentiated function",
  [ts.SyntaxKind.TypeAliasDeclaration]: "declare the type outside the differentiated function",
  [ts.SyntaxKind.EnumDeclaration]: "declare the enum outside the differentiated function",
  [ts.SyntaxKind.ModuleDeclaration]: "declare the namespace outside the differentiated function",
  [ts.SyntaxKind.WithStatement]: "read the object's fields by name",
  [ts.SyntaxKind.DebuggerStatement]: "remove it and set a breakpoint in the generated code",
};

/** A statement in words for a message ("a try statement"), never the compiler's name for its kind. */
export function statementName(s: ts.Statement): string {
  switch (s.kind) {
    case ts.SyntaxKind.TryStatement:
      return "a try statement";
    case ts.SyntaxKind.LabeledStatement:
      return "a labeled statement";
    case ts.SyntaxKind.BreakStatement:
      return "a break outside a loop";
    case ts.SyntaxKind.ContinueStatement:
      return "a continue outside a loop";
    case ts.SyntaxKind.ClassDeclaration:
      return "a class declaration";
    case ts.SyntaxKind.InterfaceDeclaration:
      return "an interface declaration";
    case ts.SyntaxKind.TypeAliasDeclaration:
      return "a type alias";
    case ts.SyntaxKind.EnumDeclaration:
      return "an enum declaration";
    case ts.SyntaxKind.ModuleDeclaration:
      return "a namespace declaration";
    case ts.SyntaxKind.WithStatement:
      return "a with statement";
    case ts.SyntaxKind.DebuggerStatement:
      return "a debugger statement";
    case ts.SyntaxKind.SwitchStatement:
      return "a switch statement";
    case ts.SyntaxKind.ForInStatement:
      return "a for...in loop";
    case ts.SyntaxKind.FunctionDeclaration:
      return "a function declaration";
    case ts.SyntaxKind.ImportDeclaration:
    case ts.SyntaxKind.ImportEqualsDeclaration:
      return "an import";
    case ts.SyntaxKind.ExportDeclaration:
    case ts.SyntaxKind.ExportAssignment:
      return "an export";
    default:
      return "this kind of statement";
  }
}

function visitLoop(s: LoopStatement): void {
  const exit = findLabelledExit(s.statement);
  if (exit)
    throw new AdjointError(
      "ADJ201",
      exit,
      "Labelled break and continue are not supported; use a flag in the loop condition.",
    );
  if (ts.isForStatement(s)) {
    if (s.initializer && ts.isVariableDeclarationList(s.initializer)) visitDeclarations(s.initializer);
    else if (s.initializer) visitExpressionStatement(s.initializer);
    if (!s.condition)
      throw new AdjointError(
        "ADJ202",
        s,
        "A loop needs a condition (an exit through break is not supported yet): test the exit in the condition, for (; i < n; ) or while (!done).",
      );
  }
  if (ts.isForOfStatement(s)) {
    const list = s.initializer;
    const decl =
      ts.isVariableDeclarationList(list) && list.declarations.length === 1 ? list.declarations[0]! : undefined;
    // for (const { w, b } of p.layers): a layer destructured (lowering checks it is one).
    if (s.awaitModifier || !decl || (!ts.isIdentifier(decl.name) && !ts.isObjectBindingPattern(decl.name)))
      throw new AdjointError("ADJ202", s.initializer, "Declare one loop variable: for (const v of xs).");
    if (!((list as ts.VariableDeclarationList).flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)))
      throw new AdjointError("ADJ209", list, "Use let or const.");
  }
  visitList(statementsOf(s.statement), true);
  if (ts.isForStatement(s) && s.incrementor) visitExpressionStatement(s.incrementor);
}

function visitDeclarations(list: ts.VariableDeclarationList): void {
  if (!(list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)))
    throw new AdjointError("ADJ209", list, "Use let or const.");
  // A pattern is lowered field by field when it destructures a structure parameter (lower/structures.ts).
  for (const decl of list.declarations) {
    if (!ts.isIdentifier(decl.name) && !decl.initializer)
      throw new AdjointError("ADJ201", decl.name, "Destructuring is not supported; declare each variable on its own.");
  }
}

/** An assignment statement writes a variable or an element, with an operator lowering knows. */
function visitExpressionStatement(expression: ts.Expression): void {
  const e = skipOuterExpressions(expression);
  const target = assignmentTarget(e);
  if (!target) return;
  // An element is a store when the array is the function's own, which lowering decides.
  if (!ts.isIdentifier(target) && !ts.isElementAccessExpression(target))
    throw new AdjointError(
      "ADJ205",
      target,
      "Differentiated code may only assign its own local variables: declare one inside the function and return its value.",
    );
  if (!isPlainAssignment(e) && compoundOperator(e) === undefined)
    throw new AdjointError(
      "ADJ203",
      e,
      "This compound assignment is not supported: write it out as x = x op y (+=, -=, *=, /=, **= and %= are fine).",
    );
}

/** The first labelled break or continue in a loop body (nested functions aside, nested loops included). */
function findLabelledExit(body: ts.Node): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if ((ts.isBreakStatement(n) || ts.isContinueStatement(n)) && n.label) found = n;
    else ts.forEachChild(n, visit);
  };
  visit(body);
  return found;
}
