// Expressions kept as written (a condition, a closure, an unknown call): which SSA version
// of each local they read, and what SSA cannot express in them.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import type { Atom, Opaque, VarId } from "../ir";
import { isPropertyName, markerKind, skipOuterExpressions } from "../sites";
import type { Env, LoweringContext } from "./context";
import { isTensorMetadata, lengthOfGrown } from "./expressions";
import { assignmentTarget } from "./syntax";

/** Captures which SSA version each local read by `node` refers to, and refuses what SSA cannot express. */
export function opaque(cx: LoweringContext, node: ts.Expression, env: Env): Opaque {
  const renames = new Map<ts.Symbol | ts.Node, Atom>();
  const visit = (n: ts.Node, inClosure: boolean): void => {
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
          `Read elements of \`${n.text}\` into a const first (const v = ${n.text}[i]) and use that here.`,
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
          `\`${n.text}\` is declared inside the differentiated function in a form the transformer does not track.`,
        );
      }
    }
    ts.forEachChild(n, (child) => visit(child, inClosure || ts.isFunctionLike(n)));
  };
  visit(node, false);
  return { node, renames };
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
