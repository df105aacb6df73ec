// Calls: markers (stopGradient, gradHook, ...), primitives of the runtime, Math functions,
// user functions whose body the transformer can see, and anything else kept as written.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import { varAtom, type Atom, type Stmt } from "../ir";
import { RULES } from "../rules";
import {
  constantArguments,
  customGradientCall,
  importOf,
  markerKind,
  primitiveName,
  resolveDerivative,
  resolveFunction,
} from "../sites";
import { derivationSteps } from "../forward";
import type { Env, LoweringContext } from "./context";
import { emitPrim, lowerExpr, lowerOpaque } from "./expressions";
import { gradientReads, opaque } from "./opaque";
import { arrayMethod, lowerArrayMethod } from "./callbacks";
import { projectAllFields, readCallResult } from "./structures";
import { isDescendant } from "./syntax";

export function lowerCall(cx: LoweringContext, e: ts.CallExpression, out: Stmt[], env: Env, hint?: string): Atom {
  if (e.arguments.some(ts.isSpreadElement))
    throw new AdjointError("ADJ203", e, "Pass the arguments one by one instead of spreading them.");
  const local = e.arguments.find((a) => cx.isLocalArray(a));
  if (local)
    throw new AdjointError(
      "ADJ203",
      local,
      "An array the function writes cannot be passed on; pass its elements, or create it in the function that reads it.",
    );
  const method = arrayMethod(cx, e);
  if (method === "forEach")
    throw new AdjointError("ADJ203", e, "Call forEach as a statement of its own; for a value, use map or reduce.");
  if (method) return lowerArrayMethod(cx, e, method, out, env, hint)!;
  // A derivative called inside differentiated code (du(t) for const du = grad(u), grad(grad(u))(t)):
  // a call of the generated function of its forward mode, which reverse mode differentiates again.
  const derivative = resolveDerivative(e.expression, cx.checker);
  if (derivative) {
    const derivation = derivationSteps(derivative.fn, derivative.chain, "value");
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    const id = cx.tempVar(cx.kindOf(e), hint);
    // How this file reaches the function's module: the derivative's own import (import { du } from "./net"), or the function's.
    const calleeRef = importOf(e.expression, cx.checker) ? e.expression : derivative.chain[0]!.call.arguments[0]!;
    out.push({
      kind: "let",
      target: id,
      op: { kind: "call", callee: derivative.fn, calleeRef, args, derivation },
      node: e,
    });
    readCallResult(cx, id, cx.checker.getTypeAtLocation(e), out, e);
    return varAtom(id);
  }
  const marker = markerKind(e, cx.checker);
  if (marker === "stopGradient" || marker === "reverseGradient") {
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    return emitPrim(cx, marker, args, out, e, hint);
  }
  if (marker === "gradHook") {
    const [x, hook] = e.arguments;
    if (!x || !hook)
      throw new AdjointError("ADJ203", e, "gradHook takes a value and a hook function: gradHook(x, (g) => ...).");
    const value = lowerExpr(cx, x, out, env);
    const hookVar = cx.tempVar("other", "hook");
    out.push({
      kind: "let",
      target: hookVar,
      op: { kind: "opaque", expr: opaque(cx, hook, env), nonDifferentiable: true },
      node: hook,
    });
    return emitPrim(cx, "gradHook", [value, varAtom(hookVar)], out, e, hint);
  }
  // The function customGradient makes is a value; calling it is the primitive.
  if (marker === "customGradient") return lowerOpaque(cx, e, out, env, true, hint ?? "custom");
  const custom = customGradientCall(e.expression, cx.checker);
  if (custom) {
    const fn = lowerExpr(cx, e.expression, out, env);
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    // One made with a tangent rule (a third argument) goes through forward mode too.
    const prim = custom.arguments.length >= 3 ? "customGradientWithTangent" : "customGradient";
    return emitPrim(cx, prim, [fn, ...args], out, e, hint);
  }
  if (marker)
    throw new AdjointError(
      "ADJ203",
      e,
      `${marker}() inside differentiated code is not supported yet: call grad(f) or jvp(f) there (see Beyond first derivatives in the README), or compute this outside and pass it in.`,
    );

  // Creation functions (zeros, onesLike(x), ones(x.shape), full, tensor, ...) read their
  // shape and dtype arguments for no value: constants, unless the values they hold come
  // from the function's variables (full(shape, s), tensor([a, b])), which is refused if
  // a gradient would have to flow through them.
  const valueArgs = constantArguments(e, cx.checker);
  if (valueArgs) {
    const valueReads = valueArgs.flatMap((i) => (e.arguments[i] ? gradientReads(cx, e.arguments[i]!, env) : []));
    return lowerOpaque(cx, e, out, env, valueReads.length === 0, hint, valueReads);
  }

  const primitive = primitiveName(e, cx.checker);
  if (primitive !== undefined) {
    const rule = RULES[primitive];
    if (!rule) return lowerOpaque(cx, e, out, env, false, hint);
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    return emitPrim(cx, primitive, args, out, e, hint);
  }

  const mathName = mathFunction(cx, e.expression);
  if (mathName && RULES[mathName]) {
    const rule = RULES[mathName]!;
    if (rule.arity !== "variadic" && rule.arity !== e.arguments.length) {
      throw new AdjointError("ADJ203", e, `${mathName} takes ${rule.arity} argument(s).`);
    }
    if (!e.arguments.every((a) => cx.isNumber(a))) return lowerOpaque(cx, e, out, env, false, hint);
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    return emitPrim(cx, mathName, args, out, e, hint);
  }
  const callee = mathName ? undefined : resolveFunction(e.expression, cx.checker);
  if (callee && callee !== cx.fn && isDescendant(callee, cx.fn)) {
    throw new AdjointError("ADJ210", e, "Move the called function outside the differentiated function.");
  }
  if (callee) {
    if (e.arguments.length > callee.parameters.length) {
      throw new AdjointError("ADJ203", e, `The function takes ${callee.parameters.length} argument(s); pass no more.`);
    }
    const args = e.arguments.map((a) => lowerExpr(cx, a, out, env));
    // A structure passed on: the callee's gradient for it is added into each of its fields.
    args.forEach((a, i) => {
      if (a.kind === "var" && cx.structures.has(a.id))
        projectAllFields(cx, a.id, cx.checker.getTypeAtLocation(e.arguments[i]!));
    });
    const id = cx.tempVar(cx.kindOf(e), hint);
    out.push({ kind: "let", target: id, op: { kind: "call", callee, calleeRef: e.expression, args }, node: e });
    // A helper that returns an object: its fields are read right away (r.h, const { h, c } = r).
    readCallResult(cx, id, cx.checker.getTypeAtLocation(e), out, e);
    return varAtom(id);
  }
  return lowerOpaque(cx, e, out, env, false, hint);
}

/** `Math.sin` and friends, recognised by resolving `Math` to the standard library's global. */
function mathFunction(cx: LoweringContext, callee: ts.Expression): string | undefined {
  if (
    !ts.isPropertyAccessExpression(callee) ||
    !ts.isIdentifier(callee.expression) ||
    callee.expression.text !== "Math"
  )
    return undefined;
  const symbol = cx.symbolAt(callee.expression);
  const fromLib = symbol?.declarations?.every(
    (d) => d.getSourceFile().hasNoDefaultLib || /lib\.[\w.]*\.d\.ts$/.test(d.getSourceFile().fileName),
  );
  return fromLib ? `Math.${callee.name.text}` : undefined;
}
