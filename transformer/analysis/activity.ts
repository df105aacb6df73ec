// Activity analysis: which IR variables carry a gradient. A variable is *varied* when it
// depends on a parameter we differentiate with respect to, and *useful* when the result
// depends on it; only variables that are both (active) get adjoint code. stopGradient and
// piecewise-constant functions cut the dependence, so the paths behind them emit nothing.
import ts from "typescript";
import { AdjointError } from "../diagnostics";
import {
  atomVars,
  forEachStmt,
  isDifferentiable,
  leavesUnder,
  opVars,
  type Atom,
  type LoweredFunction,
  type Stmt,
  type VarId,
} from "../ir";
import { isDifferentiableOperand, ruleFor } from "../rules";

export interface Activity {
  readonly active: ReadonlySet<VarId>;
}

export function analyzeActivity(fn: LoweredFunction, wrt: readonly number[]): Activity {
  const varied = new Set<VarId>();
  for (const i of wrt) varied.add(fn.params[i]!.id);
  // Every field read from a differentiated structure varies with it.
  for (const p of fn.projections) if (varied.has(p.root)) varied.add(p.id);

  const statements: Stmt[] = [];
  forEachStmt(fn.body, (s) => statements.push(s));

  // Each definition and the variables through which a gradient can flow into it. A loop
  // defines its carried variables from their value before the loop and at the end of an
  // iteration, which reads the carried variables themselves: a cycle, hence the fixpoints.
  const edges: { target: VarId; inputs: VarId[] }[] = [];
  const vars = (atoms: readonly Atom[]): VarId[] => atoms.flatMap(atomVars);
  for (const s of statements) {
    if (s.kind === "merge") edges.push({ target: s.target, inputs: vars([s.value]) });
    if (s.kind === "store") edges.push({ target: s.array, inputs: vars([s.value]) });
    if (s.kind === "loop") s.carried.forEach((c) => edges.push({ target: c.var, inputs: vars([c.init, c.next]) }));
    if (s.kind !== "let") continue;
    const op = s.op;
    if (op.kind === "prim") {
      const rule = ruleFor(op.prim);
      edges.push({
        target: s.target,
        inputs: op.args.flatMap((a, i) => (a.kind === "var" && isDifferentiableOperand(rule, i) ? [a.id] : [])),
      });
    } else if (op.kind === "opaque") {
      if (!op.nonDifferentiable)
        edges.push({ target: s.target, inputs: op.valueReads ? [...op.valueReads] : opVars(op) });
    } else {
      // A structure passed to a call: the gradient flows into each of its fields.
      const fields = opVars(op).flatMap((v) => (fn.structures.has(v) ? leavesUnder(fn, v).map((l) => l.leaf.id) : []));
      edges.push({ target: s.target, inputs: [...opVars(op), ...fields] });
    }
  }

  // Forward: dependence is tracked whatever the type: an array holding x is varied too,
  // and is refused below if the result depends on it, since no gradient can flow through it.
  for (let changed = true; changed;) {
    changed = false;
    for (const e of edges) {
      if (!varied.has(e.target) && e.inputs.some((v) => varied.has(v))) {
        varied.add(e.target);
        changed = true;
      }
    }
  }

  // Backward: from the result to the definitions it reads.
  const useful = new Set<VarId>();
  if (fn.result.kind === "var") useful.add(fn.result.id);
  for (let changed = true; changed;) {
    changed = false;
    for (let k = edges.length - 1; k >= 0; k--) {
      const e = edges[k]!;
      if (!useful.has(e.target) || !varied.has(e.target)) continue;
      for (const v of e.inputs) {
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
  // An array the function writes carries the gradients of its elements, not of its allocation.
  // A view (layers[i]) passes its gradient into its collection's; its own is never summed.
  if (s.kind !== "let" || !active.has(s.target) || fn.localArrays.has(s.target) || fn.views.has(s.target)) return;
  // A returned object, or a helper's object result: their adjoints are objects of their fields' (reverse.ts).
  if (fn.returnedObjects.has(s.target) || fn.callResults.has(s.target)) return;
  if (s.op.kind !== "opaque") {
    if (!isDifferentiable(fn.vars[s.target]!)) {
      throw new AdjointError("ADJ104", s.node);
    }
    return;
  }
  const node = s.op.expr.node;
  const structured = (id: VarId): boolean => fn.structures.has(id) || fn.views.has(id) || fn.collections.has(id);
  if ([...s.op.expr.renames.values()].some((a) => a.kind === "var" && structured(a.id))) {
    throw new AdjointError(
      "ADJ214",
      node,
      "A gradient cannot follow this read of a structure: read its fields by name (p.enc.w), tuple elements by a literal index, and arrays of layers by an index, for...of or reduce.",
    );
  }
  if (s.op.valueReads) {
    throw new AdjointError(
      "ADJ203",
      node,
      "No gradient flows into the values a creation function (full, tensor, ...) holds: build it with the operations (mul(onesLike(x), s)), or wrap the value in stopGradient() if no gradient should flow.",
    );
  }
  // x.item(), x.toArray(): a tensor's values leave the differentiable operations.
  const method =
    ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : "";
  if (method === "item" || method === "toArray")
    throw new AdjointError(
      "ADJ204",
      node,
      `\`.${method}()\` reads a tensor's values out of the operations a gradient can follow: keep the value a tensor (sum, mean, mul, ...), or wrap it in stopGradient() if no gradient should flow through it.`,
    );
  throw ts.isCallExpression(node)
    ? new AdjointError(
        "ADJ204",
        node,
        "Give the function a body the compiler can see, or wrap the value in stopGradient() if no gradient should flow through it.",
      )
    : new AdjointError(
        "ADJ203",
        node,
        "Rewrite it with the supported operators and Math functions, or wrap it in stopGradient() if no gradient should flow through it.",
      );
}
