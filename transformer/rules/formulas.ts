// The element formula of each elementwise tensor primitive, for the loops of the fusion pass
// (passes/fuse.ts): read from the runtime's kernel table (runtime/ops/kernels.ts), the same
// text the runtime's loops are generated from, so a fused loop computes exactly what the
// per-operation kernels compute (the same Math functions, the same ties and NaN cases).
import ts from "typescript";
import { KERNELS } from "../../runtime/ops/kernels";
import type * as js from "../js";

export type KernelName = keyof typeof KERNELS;

/** One element of a primitive's result: names bound first (in order), then the value. */
export interface ElementFormula {
  readonly lets: readonly (readonly [string, js.Expr])[];
  readonly value: js.Expr;
}

const BINARY: Partial<Record<ts.SyntaxKind, js.BinaryOperator>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
};

/** The kernels the fusion pass may put in a loop: the public ones, and pow's fast paths. */
export function isKernel(name: string): name is KernelName {
  return Object.hasOwn(KERNELS, name);
}

/** Whether a runtime function of this name is an elementwise primitive with a kernel (pow included). */
export function isElementwisePrimitive(name: string): boolean {
  return isKernel(name) && (KERNELS[name] as { api?: string }).api !== "internal";
}

export function kernelArity(name: KernelName): number {
  return KERNELS[name].arity;
}

/**
 * The formula of `kernel` on the given operand expressions (a name or a literal each, since
 * a formula may read an operand twice); `bind` names each `let` of the kernel.
 */
export function elementFormula(
  kernel: KernelName,
  operands: readonly js.Expr[],
  bind: (letName: string) => string,
): ElementFormula {
  const spec = KERNELS[kernel] as { expr: string; let?: Readonly<Record<string, string>> };
  const scope = new Map<string, js.Expr>([
    ["a", operands[0]!],
    ["b", operands[1] ?? operands[0]!],
  ]);
  const lets = Object.entries(spec.let ?? {}).map(([name, text]): readonly [string, js.Expr] => {
    const value = parseFormula(text, scope);
    const bound = bind(name);
    scope.set(name, { kind: "name", name: bound });
    return [bound, value];
  });
  return { lets, value: parseFormula(spec.expr, scope) };
}

const parsed = new Map<string, ts.Expression>();

/** A kernel expression as a js.Expr, built as written (no folding: the rounding must stay the kernel's). */
function parseFormula(text: string, scope: ReadonlyMap<string, js.Expr>): js.Expr {
  let node = parsed.get(text);
  if (!node) {
    const file = ts.createSourceFile("kernel.ts", `(${text});`, ts.ScriptTarget.ES2022, false);
    node = (file.statements[0] as ts.ExpressionStatement).expression;
    parsed.set(text, node);
  }
  const go = (n: ts.Expression): js.Expr => {
    if (ts.isParenthesizedExpression(n)) return go(n.expression);
    if (ts.isNumericLiteral(n)) return { kind: "num", value: Number(n.text) };
    if (ts.isIdentifier(n) && scope.has(n.text)) return scope.get(n.text)!;
    if (ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.MinusToken)
      return { kind: "neg", operand: go(n.operand) };
    if (ts.isBinaryExpression(n) && BINARY[n.operatorToken.kind])
      return { kind: "binary", op: BINARY[n.operatorToken.kind]!, left: go(n.left), right: go(n.right) };
    if (ts.isConditionalExpression(n))
      return { kind: "conditional", cond: go(n.condition), whenTrue: go(n.whenTrue), whenFalse: go(n.whenFalse) };
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ts.isIdentifier(n.expression.expression) &&
      n.expression.expression.text === "Math"
    )
      return { kind: "math", fn: n.expression.name.text, args: n.arguments.map(go) };
    throw new Error(`adjoint internal error: kernel formula ${text} uses syntax the fusion pass does not read`);
  };
  return go(node);
}
