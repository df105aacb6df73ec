// Generated statements written as JavaScript, for the unit tests of the clean-up passes:
// `parse` builds js.Statement lists from a small JS-like text, `print` turns them back into
// JavaScript through the transformer's own Emitter, the way emitted code looks.
//
// The text is plain JavaScript (a `for` loop only as `for (let i = 0; i < count; i++)`) with
// three conventions:
// - `opaque(expr)`: an expression kept as written (js "opaque"); the names it reads are
//   its identifiers, except those called (outer functions);
// - a label marks a statement that only maintains a tape (tapeOf): `xTape: xTape[k] = x;`;
// - `rt.fn(...)` calls the tensor runtime, `Math.fn(...)` is a math call, `a.length` of a
//   name is a member read.
// Expressions are built as written, without the folding of js.ts's constructors.
import ts from "typescript";
import { Emitter } from "../../transformer/emit";
import type * as js from "../../transformer/js";
import { isPropertyName } from "../../transformer/sites";

const BINARY: Partial<Record<ts.SyntaxKind, js.BinaryOperator>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "**",
  [ts.SyntaxKind.PercentToken]: "%",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "!==",
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
  [ts.SyntaxKind.AmpersandAmpersandToken]: "&&",
};

/** The symbol each identifier inside opaque(...) stands for, for the printer's renames. */
const symbols = new Map<ts.Node, ts.Symbol>();

export function parse(text: string): js.Statement[] {
  const file = ts.createSourceFile("spec.ts", text, ts.ScriptTarget.ES2022, true);
  const errors = (file as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (errors.length > 0) throw new Error(`spec does not parse: ${errors[0]!.messageText}\n${text}`);
  return file.statements.map(statement);
}

function statement(s: ts.Statement): js.Statement {
  if (ts.isVariableStatement(s)) {
    const [decl] = s.declarationList.declarations;
    const init = decl!.initializer && expr(decl!.initializer);
    if (ts.isArrayBindingPattern(decl!.name)) {
      const names = decl!.name.elements.map((e) => (ts.isBindingElement(e) ? e.name.getText() : undefined));
      return { kind: "destructure", names, init: init! };
    }
    const kind = s.declarationList.flags & ts.NodeFlags.Const ? "const" : "let";
    return init ? { kind, name: decl!.name.getText(), init } : { kind, name: decl!.name.getText() };
  }
  if (ts.isExpressionStatement(s)) {
    const e = s.expression;
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === ts.SyntaxKind.EqualsToken || op === ts.SyntaxKind.PlusEqualsToken) {
        const value = expr(e.right);
        const update = op === ts.SyntaxKind.EqualsToken;
        if (ts.isIdentifier(e.left)) return { kind: update ? "assign" : "accumulate", name: e.left.text, value };
        if (ts.isElementAccessExpression(e.left)) {
          const array = e.left.expression.getText();
          const index = expr(e.left.argumentExpression);
          return update
            ? { kind: "storeElement", array, index, value }
            : { kind: "accumulateElement", array, index, value };
        }
      }
    }
    return { kind: "effect", expr: expr(e) };
  }
  if (ts.isIfStatement(s)) {
    const otherwise = s.elseStatement ? block(s.elseStatement) : [];
    return { kind: "if", cond: expr(s.expression), then: block(s.thenStatement), else: otherwise };
  }
  if (ts.isWhileStatement(s))
    return { kind: "while", cond: expr(s.expression), body: block(s.statement), testAfter: false };
  if (ts.isDoStatement(s))
    return { kind: "while", cond: expr(s.expression), body: block(s.statement), testAfter: true };
  // for (let i = 0; i < count; i++) body: a fused loop (passes/fuse.ts)
  if (ts.isForStatement(s) && s.initializer && ts.isVariableDeclarationList(s.initializer)) {
    const index = s.initializer.declarations[0]!.name.getText();
    const count = (s.condition as ts.BinaryExpression).right;
    return { kind: "for", index, count: expr(count), body: block(s.statement) };
  }
  if (ts.isReturnStatement(s)) return { kind: "return", value: expr(s.expression!) };
  if (ts.isThrowStatement(s)) return { kind: "throw", expr: expr(s.expression) };
  if (ts.isLabeledStatement(s)) {
    const inner = statement(s.statement);
    if (inner.kind !== "if" && inner.kind !== "storeElement") throw new Error(`only an if or a store maintains a tape`);
    return { ...inner, tapeOf: s.label.text };
  }
  throw new Error(`spec: unsupported statement ${s.getText()}`);
}

function block(s: ts.Statement): js.Statement[] {
  return ts.isBlock(s) ? s.statements.map(statement) : [statement(s)];
}

function expr(e: ts.Expression): js.Expr {
  if (ts.isParenthesizedExpression(e)) return expr(e.expression);
  if (ts.isNumericLiteral(e)) return { kind: "num", value: Number(e.text) };
  if (ts.isIdentifier(e)) return { kind: "name", name: e.text };
  if (ts.isBinaryExpression(e)) {
    const op = BINARY[e.operatorToken.kind];
    if (!op) throw new Error(`spec: unsupported operator in ${e.getText()}`);
    return { kind: "binary", op, left: expr(e.left), right: expr(e.right) };
  }
  if (ts.isPrefixUnaryExpression(e)) {
    if (e.operator === ts.SyntaxKind.MinusToken)
      return ts.isNumericLiteral(e.operand)
        ? { kind: "num", value: -Number(e.operand.text) }
        : { kind: "neg", operand: expr(e.operand) };
    if (e.operator === ts.SyntaxKind.ExclamationToken) return { kind: "not", operand: expr(e.operand) };
  }
  if (ts.isCallExpression(e)) {
    const args = e.arguments.map(expr);
    const callee = e.expression;
    if (ts.isIdentifier(callee) && callee.text === "opaque") return opaque(e.arguments[0]!);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      if (callee.expression.text === "Math") return { kind: "math", fn: callee.name.text, args };
      if (callee.expression.text === "rt") return { kind: "runtime", fn: callee.name.text as js.RuntimeName, args };
    }
    return { kind: "call", callee: expr(callee), args };
  }
  if (ts.isPropertyAccessExpression(e)) {
    if (ts.isIdentifier(e.expression)) {
      if (e.expression.text === "Math") return { kind: "mathConstant", name: e.name.text };
      return { kind: "member", object: e.expression.text, name: e.name.text };
    }
    if (e.name.text === "length") return { kind: "length", array: expr(e.expression) };
  }
  if (ts.isElementAccessExpression(e))
    return { kind: "element", array: expr(e.expression), index: expr(e.argumentExpression) };
  if (ts.isConditionalExpression(e))
    return { kind: "conditional", cond: expr(e.condition), whenTrue: expr(e.whenTrue), whenFalse: expr(e.whenFalse) };
  if (ts.isArrayLiteralExpression(e)) return { kind: "array", elements: e.elements.map(expr) };
  if (ts.isObjectLiteralExpression(e))
    return {
      kind: "object",
      fields: e.properties.map((p) => {
        if (!ts.isPropertyAssignment(p)) throw new Error(`spec: unsupported property ${p.getText()}`);
        return [p.name.getText(), expr(p.initializer)] as const;
      }),
    };
  throw new Error(`spec: unsupported expression ${e.getText()}`);
}

/** An expression kept as written: each identifier it reads (not one it calls) is a local, renamed to itself. */
function opaque(node: ts.Expression): js.Expr {
  const renames = new Map<ts.Symbol, js.Expr>();
  const visit = (n: ts.Node): void => {
    const called = ts.isCallExpression(n.parent) && n.parent.expression === n;
    if (ts.isIdentifier(n) && !called && !isPropertyName(n)) {
      const symbol = { name: n.text } as ts.Symbol;
      symbols.set(n, symbol);
      renames.set(symbol, { kind: "name", name: n.text });
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return { kind: "opaque", node, renames };
}

/** Only what the Emitter asks of a checker: the symbol of an identifier inside opaque(...). */
const checker = {
  getSymbolAtLocation: (n: ts.Node) => symbols.get(n),
  getShorthandAssignmentValueSymbol: () => undefined,
} as unknown as ts.TypeChecker;

/** The statements as the emitted JavaScript shows them (a `let` never reassigned prints as const). */
export function print(body: readonly js.Statement[]): string {
  let text = "";
  ts.transform(ts.factory.createEmptyStatement(), [
    (context) => {
      const emitter = new Emitter(context, checker, "rt");
      const fn = emitter.functionDeclaration({ name: "f", params: [], extraParams: [], body: [...body] });
      const file = ts.createSourceFile("out.js", "", ts.ScriptTarget.ES2022);
      text = ts.createPrinter().printNode(ts.EmitHint.Unspecified, fn, file);
      return (node) => node;
    },
  ]);
  // The function's body, without the function around it.
  return text
    .split("\n")
    .slice(1, -1)
    .map((line) => line.replace(/^ {4}/, ""))
    .join("\n");
}

/** The spec as printed JavaScript: what a pass's output is compared with. */
export const code = (text: string): string => print(parse(text));
