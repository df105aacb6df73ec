// Expressions kept as written (a condition, a closure, an unknown call): which SSA version
// of each local they read, and what SSA cannot express in them.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import type { Atom, Opaque, Stmt, VarId } from "../ir";
import { readElement } from "./arrays";
import { isPropertyName, markerKind, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { isTensorMetadata, lengthOfGrown, lowerExpr } from "./expressions";
import { assignmentTarget } from "./syntax";

/**
 * Captures which SSA version each local read by `node` refers to, and refuses what SSA cannot
 * express. With `out` (an expression evaluated once where it stands: an if's condition, a
 * value), an element of an array the function writes (if (buf[i] > 0)) is read into a value
 * there first, as the user would write by hand; without it (a loop's condition, evaluated
 * again on every trip) such a read is refused.
 */
export function opaque(cx: LoweringContext, node: ts.Expression, env: Env, out?: Stmt[]): Opaque {
  const renames = new Map<ts.Symbol | ts.Node, Atom>();
  const visit = (n: ts.Node, inClosure: boolean): void => {
    if (out && !inClosure && isLocalElementRead(cx, n)) {
      const array = lowerExpr(cx, n.expression, out, env);
      const index = lowerExpr(cx, n.argumentExpression, out, env);
      renames.set(n, readElement(cx, array, index, out, env, n));
      return;
    }
    const target = assignmentTarget(n);
    if (target) {
      const symbol = ts.isIdentifier(target) ? cx.symbolAt(target) : undefined;
      if (symbol && cx.isDeclaredInside(symbol) && !cx.isDeclaredInside(symbol, node)) {
        throw new AdjointError("ADJ201", n, "Assign local variables in statements of their own.");
      }
    }
    // ys.length of an array the function grows: the length at this point, not when re-run.
    const grownLength = lengthOfGrown(cx, n, env);
    if (grownLength) {
      renames.set(n, grownLength);
      return;
    }
    if (ts.isIdentifier(n) && !isPropertyName(n)) {
      const symbol = cx.referencedSymbol(n);
      const binding = symbol && env.get(symbol);
      if (binding === "uninitialized") throw new AdjointError("ADJ206", n);
      // An expression kept as written would read the array when it runs again in the
      // backward sweep, after later writes: only its length is allowed (stores stay within
      // it: a store at a.length is refused and an empty literal is not a tracked array).
      if (
        symbol &&
        cx.localArraySymbols.has(symbol) &&
        !(ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && n.parent.name.text === "length")
      ) {
        throw new AdjointError(
          "ADJ203",
          n,
          out
            ? `Read \`${n.text}\` by its elements here (${n.text}[i]), or its length.`
            : `A loop's condition runs again on every trip: read the element into a variable before the loop and again at the end of its body (let v = ${n.text}[i]), and test that.`,
        );
      }
      if (symbol && binding) {
        if (inClosure && cx.reassigned.has(symbol)) {
          throw new AdjointError(
            "ADJ208",
            n,
            `Copy \`${n.text}\` into a const before the closure and read that instead.`,
          );
        }
        renames.set(symbol, binding);
      } else if (symbol && cx.isDeclaredInside(symbol) && !cx.isDeclaredInside(symbol, node)) {
        throw new AdjointError(
          "ADJ210",
          n,
          `\`${n.text}\` is declared inside the differentiated function in a form the transformer does not track: declare it outside the function.`,
        );
      }
    }
    ts.forEachChild(n, (child) => visit(child, inClosure || ts.isFunctionLike(n)));
  };
  visit(node, false);
  return { node, renames };
}

/** buf[i] of an array the function tracks, read for its value (a number, or a tensor of an array of them). */
function isLocalElementRead(cx: LoweringContext, n: ts.Node): n is ts.ElementAccessExpression {
  if (!ts.isElementAccessExpression(n) || assignmentTarget(n.parent) === n || !cx.isLocalArray(n.expression))
    return false;
  return cx.isNumber(n) || cx.kindOf(n) === "tensor";
}

/**
 * The variables an expression kept as written reads in a way that could carry a gradient:
 * not through a tensor's shape, size or dtype, nor inside stopGradient().
 */
export function gradientReads(cx: LoweringContext, node: ts.Node, env: Env): VarId[] {
  if (ts.isExpression(node) && isTensorMetadata(cx, skipOuterExpressions(node))) return [];
  if (ts.isCallExpression(node) && markerKind(node, cx.checker) === "stopGradient") return [];
  if (ts.isIdentifier(node) && !isPropertyName(node)) {
    const symbol = cx.referencedSymbol(node);
    const binding = symbol && env.get(symbol);
    return binding && binding !== "uninitialized" && binding.kind === "var" ? [binding.id] : [];
  }
  const reads: VarId[] = [];
  ts.forEachChild(node, (child) => void reads.push(...gradientReads(cx, child, env)));
  return reads;
}

/** Whether an expression reads a variable of the function (elements of its arrays included). */
export function readsLocals(cx: LoweringContext, node: ts.Node, env: Env): boolean {
  if (ts.isIdentifier(node) && !isPropertyName(node)) {
    const symbol = cx.referencedSymbol(node);
    if (symbol && env.has(symbol)) return true;
  }
  return ts.forEachChild(node, (child) => readsLocals(cx, child, env) || undefined) ?? false;
}
