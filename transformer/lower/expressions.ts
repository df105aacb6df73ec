// Expressions: each operation the rules know becomes a let of a primitive over atoms
// (A-normal form); anything else is kept as written (opaque.ts).
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { varAtom, type Atom, type Stmt, type ValueKind, type VarId } from "../ir";
import { containsCall, isTensorType, skipOuterExpressions } from "../sites";
import { readElement } from "./arrays";
import { lowerCall } from "./calls";
import { sameBinding, type Env, type LoweringContext } from "./context";
import { joinKinds } from "./kinds";
import { opaque } from "./opaque";
import { lowerFieldRead } from "./structures";
import { assignmentTarget } from "./syntax";

const ARITHMETIC: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusToken]: "+",
  [ts.SyntaxKind.MinusToken]: "-",
  [ts.SyntaxKind.AsteriskToken]: "*",
  [ts.SyntaxKind.SlashToken]: "/",
  [ts.SyntaxKind.AsteriskAsteriskToken]: "**",
  [ts.SyntaxKind.PercentToken]: "%",
};

/** Methods whose callbacks lowering runs as loops over a local array (callbacks.ts). */
const ARRAY_METHODS = new Set(["map", "reduce", "forEach"]);

/** Properties of a Tensor that describe it rather than hold its values. */
const TENSOR_METADATA = new Set(["shape", "size", "dtype", "ndim"]);

/** Operators whose result is a boolean or a piecewise-constant integer: no gradient flows through them. */
const NON_DIFFERENTIABLE_OPERATORS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.AmpersandToken,
  ts.SyntaxKind.BarToken,
  ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
]);

export function lowerExpr(cx: LoweringContext, expr: ts.Expression, out: Stmt[], env: Env, hint?: string): Atom {
  const e = skipOuterExpressions(expr);
  if (ts.isNumericLiteral(e)) return { kind: "number", value: Number(e.text) };
  if (
    ts.isPrefixUnaryExpression(e) &&
    e.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(skipOuterExpressions(e.operand))
  ) {
    return { kind: "number", value: -Number((skipOuterExpressions(e.operand) as ts.NumericLiteral).text) };
  }
  if (ts.isIdentifier(e)) return lowerIdentifier(cx, e, env);
  // A tensor's shape, size or dtype: integers and strings, which carry no gradient.
  if (isTensorMetadata(cx, e)) {
    const metadata = lowerOpaque(cx, e, out, env, true, hint);
    if (metadata.kind === "var" && cx.isNumber(e)) cx.integers.add(metadata.id);
    return metadata;
  }
  if (ts.isBinaryExpression(e)) {
    const kind = e.operatorToken.kind;
    if (assignmentTarget(e)) throw new AdjointError("ADJ201", e, "Write the assignment as a statement of its own.");
    const op = ARITHMETIC[kind];
    if (op && cx.isNumber(e.left) && cx.isNumber(e.right)) {
      const left = lowerExpr(cx, e.left, out, env);
      const right = lowerExpr(cx, e.right, out, env);
      return emitPrim(cx, op, [left, right], out, e, hint);
    }
    return lowerOpaque(cx, e, out, env, NON_DIFFERENTIABLE_OPERATORS.has(kind), hint);
  }
  if (ts.isPrefixUnaryExpression(e)) {
    if (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) {
      throw new AdjointError("ADJ213", e);
    }
    if (e.operator === ts.SyntaxKind.MinusToken && cx.isNumber(e.operand)) {
      return emitPrim(cx, "unary -", [lowerExpr(cx, e.operand, out, env)], out, e, hint);
    }
    if (e.operator === ts.SyntaxKind.PlusToken && cx.isNumber(e.operand))
      return lowerExpr(cx, e.operand, out, env, hint);
    return lowerOpaque(cx, e, out, env, true, hint);
  }
  if (ts.isPostfixUnaryExpression(e)) throw new AdjointError("ADJ213", e);
  if (ts.isConditionalExpression(e)) return lowerConditional(cx, e, out, env, hint);
  if (ts.isCallExpression(e)) return lowerCall(cx, e, out, env, hint);
  // x[i] of a number array (or of a local array of tensors): a primitive whose adjoint adds into one element of dx.
  if (
    ts.isElementAccessExpression(e) &&
    cx.kindOf(e.expression) === "array" &&
    (cx.isNumber(e) || (cx.isLocalArray(e.expression) && cx.kindOf(e) === "tensor"))
  ) {
    const array = lowerExpr(cx, e.expression, out, env);
    const index = lowerExpr(cx, e.argumentExpression, out, env);
    return readElement(cx, array, index, out, env, e, hint);
  }
  // The length of an array the function grows is the value lowering keeps (lengthKeys).
  const grownLength = lengthOfGrown(cx, e, env);
  if (grownLength) return grownLength;
  // x.length of an array carries no gradient.
  if (ts.isPropertyAccessExpression(e) && e.name.text === "length" && cx.kindOf(e.expression) === "array") {
    const length = lowerOpaque(cx, e, out, env, true, hint);
    if (length.kind === "var") cx.integers.add(length.id);
    return length;
  }
  // p.w, p.enc.b, pair[0] of a structure parameter: a variable of its own, read at the top;
  // p.layers[i] and layer.w of an array of layers: a read where it is written.
  const field = lowerFieldRead(cx, e, out, env, hint);
  if (field) return field;
  return lowerOpaque(cx, e, out, env, cx.isBoolean(e), hint);
}

/** ys.length of an array the function grows by push: its length at this point. */
export function lengthOfGrown(cx: LoweringContext, e: ts.Node, env: Env): Atom | undefined {
  if (!ts.isPropertyAccessExpression(e) || e.name.text !== "length") return undefined;
  const object = skipOuterExpressions(e.expression);
  const symbol = ts.isIdentifier(object) ? cx.symbolAt(object) : undefined;
  const key = symbol && cx.lengthKeys.get(symbol);
  return key ? (env.get(key) as Atom) : undefined;
}

/** x.shape, x.size, x.dtype, x.ndim of a Tensor, and x.shape[i], x.shape.length. */
export function isTensorMetadata(cx: LoweringContext, e: ts.Expression): boolean {
  if (ts.isPropertyAccessExpression(e)) {
    if (TENSOR_METADATA.has(e.name.text) && isTensorType(cx.checker.getTypeAtLocation(e.expression))) return true;
    return e.name.text === "length" && isTensorMetadata(cx, skipOuterExpressions(e.expression));
  }
  return ts.isElementAccessExpression(e) && isTensorMetadata(cx, skipOuterExpressions(e.expression));
}

function lowerIdentifier(cx: LoweringContext, e: ts.Identifier, env: Env): Atom {
  const symbol = cx.symbolAt(e);
  if (
    symbol &&
    cx.localArraySymbols.has(symbol) &&
    !(ts.isElementAccessExpression(e.parent) && e.parent.expression === e) &&
    !(ts.isForOfStatement(e.parent) && e.parent.expression === e) &&
    !(ts.isPropertyAccessExpression(e.parent) && e.parent.expression === e && ARRAY_METHODS.has(e.parent.name.text))
  ) {
    throw new AdjointError(
      "ADJ203",
      e,
      `Use \`${e.text}\` only as ${e.text}[i], ${e.text}.length, in for...of or with map, reduce and forEach: under another name or passed on, its writes could not be followed.`,
    );
  }
  const binding = symbol && env.get(symbol);
  if (binding === "uninitialized")
    throw new AdjointError("ADJ206", e, `\`${e.text}\` may be read before it is assigned.`);
  if (binding) return binding;
  if (symbol && cx.isDeclaredInside(symbol)) {
    throw new AdjointError(
      "ADJ210",
      e,
      `\`${e.text}\` is declared inside the differentiated function in a form the transformer does not track: declare it outside the function.`,
    );
  }
  return { kind: "constant", node: e };
}

function lowerConditional(
  cx: LoweringContext,
  e: ts.ConditionalExpression,
  out: Stmt[],
  env: Env,
  hint?: string,
): Atom {
  const cond = opaque(cx, e.condition, env, out);
  const thenOut: Stmt[] = [];
  const elseOut: Stmt[] = [];
  // Each side in an environment of its own: logged reads of local arrays advance the read counter.
  const [thenEnv, elseEnv] = [new Map(env), new Map(env)];
  const a = lowerExpr(cx, e.whenTrue, thenOut, thenEnv);
  const b = lowerExpr(cx, e.whenFalse, elseOut, elseEnv);
  const m = cx.tempVar(joinKinds(cx.kindOfAtom(a), cx.kindOfAtom(b)), hint);
  thenOut.push({ kind: "merge", target: m, value: a });
  elseOut.push({ kind: "merge", target: m, value: b });
  const merges = [m];
  const [countThen, countElse] = [thenEnv.get(cx.readCounterKey) as Atom, elseEnv.get(cx.readCounterKey) as Atom];
  if (!sameBinding(countThen, countElse)) {
    const count = cx.tempVar("number", "reads");
    thenOut.push({ kind: "merge", target: count, value: countThen });
    elseOut.push({ kind: "merge", target: count, value: countElse });
    merges.push(count);
    env.set(cx.readCounterKey, varAtom(count));
  }
  out.push({ kind: "if", cond, then: thenOut, else: elseOut, merges });
  return varAtom(m);
}

/** A let of a primitive, or the variable an earlier let of the block computed it into (analysis/cse.ts). */
export function emitPrim(
  cx: LoweringContext,
  prim: string,
  args: Atom[],
  out: Stmt[],
  node: ts.Node,
  hint?: string,
  kind: ValueKind = cx.kindOf(node),
): Atom {
  const earlier = cx.commonSubexpressions.find(out, prim, args);
  if (earlier !== undefined) return varAtom(earlier);
  const id = cx.tempVar(kind, hint);
  out.push({ kind: "let", target: id, op: { kind: "prim", prim, args }, node });
  cx.commonSubexpressions.record(out, prim, args, id);
  if ((prim === "+" || prim === "-" || prim === "*") && args.every((a) => cx.isInteger(a))) cx.integers.add(id);
  return varAtom(id);
}

/** A value kept as written. Its result carries no gradient when `nonDifferentiable`; otherwise a gradient that must flow through it is refused. */
export function lowerOpaque(
  cx: LoweringContext,
  e: ts.Expression,
  out: Stmt[],
  env: Env,
  nonDifferentiable: boolean,
  hint?: string,
  valueReads?: readonly VarId[],
): Atom {
  const expr = opaque(cx, e, env, out);
  if (expr.renames.size === 0 && !containsCall(e)) return { kind: "constant", node: e };
  const id = cx.tempVar(cx.kindOf(e), hint);
  out.push({
    kind: "let",
    target: id,
    op: { kind: "opaque", expr, nonDifferentiable, ...(valueReads ? { valueReads } : {}) },
    node: e,
  });
  return varAtom(id);
}
