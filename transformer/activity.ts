// Activity analysis: which IR variables carry a gradient. A variable is *varied* when it
// depends on a parameter we differentiate with respect to, and *useful* when the result
// depends on it; only variables that are both (active) get adjoint code. stopGradient and
// piecewise-constant functions cut the dependence, so the paths behind them emit nothing.
import ts from "typescript";
import { AdjointError } from "./diagnostics";
import { forEachStmt, isDifferentiable, opVars, type LoweredFunction, type Stmt, type VarId } from "./ir";
import { isDifferentiableOperand, ruleFor } from "./rules";

export interface Activity {
  readonly active: ReadonlySet<VarId>;
}

export function analyzeActivity(fn: LoweredFunction, wrt: readonly number[]): Activity {
  const varied = new Set<VarId>();
  for (const i of wrt) varied.add(fn.params[i]!.id);

  const statements: Stmt[] = [];
  forEachStmt(fn.body, (s) => statements.push(s));

  // Inputs through which a gradient can flow into each definition.
  const inputs = (s: Stmt): VarId[] => {
    if (s.kind === "merge") return s.value.kind === "var" ? [s.value.id] : [];
    if (s.kind !== "let") return [];
    const op = s.op;
    if (op.kind === "prim") {
      const rule = ruleFor(op.prim);
      return op.args.flatMap((a, i) => (a.kind === "var" && isDifferentiableOperand(rule, i) ? [a.id] : []));
    }
    if (op.kind === "opaque" && op.nonDifferentiable) return [];
    return opVars(op);
  };
  const target = (s: Stmt): VarId | undefined => (s.kind === "let" || s.kind === "merge" ? s.target : undefined);

  // Forward: program order reaches every definition after its inputs (no loops yet).
  // Dependence is tracked whatever the type: an array holding x is varied too, and is
  // refused below if the result depends on it, since no gradient can flow through it.
  for (const s of statements) {
    const t = target(s);
    if (t !== undefined && inputs(s).some((v) => varied.has(v))) varied.add(t);
  }

  // Backward: from the result to the definitions it reads, repeated to a fixpoint so that
  // merge variables assigned in branches are reached whatever their order.
  const useful = new Set<VarId>();
  if (fn.result.kind === "var") useful.add(fn.result.id);
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = statements.length - 1; k >= 0; k--) {
      const s = statements[k]!;
      const t = target(s);
      if (t === undefined || !useful.has(t) || !varied.has(t)) continue;
      for (const v of inputs(s)) {
        if (varied.has(v) && !useful.has(v)) {
          useful.add(v);
          changed = true;
        }
      }
    }
  }

  const active = new Set([...varied].filter((v) => useful.has(v)));
  for (const s of statements) refuseUndifferentiable(s, active, fn);
  return { active };
}

/** A gradient must flow through an expression kept as written, or through a value that is not a number: refuse it. */
function refuseUndifferentiable(s: Stmt, active: ReadonlySet<VarId>, fn: LoweredFunction): void {
  if (s.kind !== "let" || !active.has(s.target)) return;
  if (s.op.kind !== "opaque") {
    if (!isDifferentiable(fn.vars[s.target]!)) {
      throw new AdjointError("ADJ104", s.node, "A gradient would have to flow through a value that is neither a number nor a Tensor.");
    }
    return;
  }
  const node = s.op.expr.node;
  throw ts.isCallExpression(node)
    ? new AdjointError("ADJ204", node, "Give the function a body the compiler can see, or wrap the value in stopGradient() if no gradient should flow through it.")
    : new AdjointError("ADJ203", node, "Rewrite it with the supported operators and Math functions, or wrap it in stopGradient() if no gradient should flow through it.");
}
