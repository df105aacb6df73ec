// Shape facts: which values are known to have the same shape, so that a rule can give an
// operand its share of the result's adjoint without reducing it (no unbroadcast call).
// Tensor shapes are not in TypeScript's types, so only what follows from the program's
// structure is known: an elementwise operation of operands of one shape has that shape,
// and plain numbers never widen a tensor. Everything else (a parameter, a reduction, a
// matmul, a value merged from branches or carried by a loop, an outer constant) has a
// shape of its own, except a whole reduction (sum, mean or logSumExp over every axis,
// without keepDims: a scalar) and a call to a function whose result has one parameter's
// shape or is such a scalar. A wrong fact would be a silently wrong gradient, so the
// analysis only ever says "same" when it is certain.
import ts from "typescript";
import type { Atom, LoweredFunction, Op, VarId } from "../ir";
import { forEachStmt } from "../ir";
import { RULES } from "../rules";
import { skipOuterExpressions, type FunctionNode } from "../sites";

/** What is known of a function's result: the index of the parameter whose shape it has, or that it is a scalar. */
export type ResultShape = number | "scalar" | undefined;
export type CallShapes = (callee: FunctionNode) => ResultShape;

/**
 * For a primitive whose result has the broadcast shape of some of its operands (its rule's
 * `shape`, rules/types.ts): which operands take part. Undefined for any other primitive.
 */
function broadcastOperands(prim: string): ((i: number) => boolean) | undefined {
  const shape = RULES[prim]?.shape;
  if (shape === "elementwise") return () => true;
  // Markers return their first operand; the rest are a hook or a factor.
  if (shape === "firstOperand") return (i) => i === 0;
  return undefined;
}

/** The class of plain numbers: a number operand never changes an elementwise result's shape. */
const NUMBER = 0;
/** The class of whole reductions: a 0-d tensor (or a number). */
const SCALAR = 1;
const WHOLE_REDUCTIONS = new Set(["sum", "mean", "logSumExp"]);

/** sum(x), sum(x, undefined), sum(x, null, false): every axis, no kept dimensions. */
function isWholeReduction(op: Op): boolean {
  if (op.kind !== "prim" || !WHOLE_REDUCTIONS.has(op.prim)) return false;
  const absent = (a: Atom | undefined, ...kinds: ts.SyntaxKind[]): boolean => {
    const node = a?.kind === "constant" ? skipOuterExpressions(a.node) : undefined;
    return (
      a === undefined ||
      (node !== undefined && (kinds.includes(node.kind) || (ts.isIdentifier(node) && node.text === "undefined")))
    );
  };
  return (
    op.args.length <= 3 &&
    absent(op.args[1], ts.SyntaxKind.NullKeyword) &&
    absent(op.args[2], ts.SyntaxKind.FalseKeyword)
  );
}

export class ShapeFacts {
  private readonly classes = new Map<VarId, number>();
  private next = SCALAR + 1;

  constructor(
    private readonly fn: LoweredFunction,
    callShapes: CallShapes = () => undefined,
  ) {
    forEachStmt(fn.body, (s) => {
      if (s.kind !== "let") return;
      // A tangent has its value's shape (forward.ts makes every tangent whole), whatever computes it.
      const value = fn.tangentOf?.get(s.target);
      if (value !== undefined) return this.classes.set(s.target, this.classOf({ kind: "var", id: value }));
      if (fn.vars[s.target]!.kind === "number") return this.classes.set(s.target, NUMBER);
      if (isWholeReduction(s.op)) return this.classes.set(s.target, SCALAR);
      if (s.op.kind === "call") {
        const known = callShapes(s.op.callee);
        const arg = typeof known === "number" ? s.op.args[known] : undefined;
        return this.classes.set(s.target, known === "scalar" ? SCALAR : arg ? this.classOf(arg) : this.next++);
      }
      const takesPart = s.op.kind === "prim" ? broadcastOperands(s.op.prim) : undefined;
      if (s.op.kind !== "prim" || !takesPart) return this.classes.set(s.target, this.next++);
      const operands = new Set(s.op.args.filter((_, i) => takesPart(i)).map((a) => this.classOf(a)));
      operands.delete(NUMBER);
      // All numbers: a number. One tensor shape: that shape. Several: the broadcast of them, unknown.
      const [only] = operands;
      this.classes.set(s.target, operands.size === 0 ? NUMBER : operands.size === 1 ? only! : this.next++);
    });
  }

  /** Whether `operand` certainly has the shape of the variable `result`. */
  sameShape(operand: Atom, result: VarId): boolean {
    return this.classOf(operand) === this.classOf({ kind: "var", id: result });
  }

  /** Whether the variable is a whole reduction (a 0-d tensor), or a value of its shape. */
  isScalar(id: VarId): boolean {
    return this.classOf({ kind: "var", id }) === SCALAR;
  }

  /** What is certain of the function's result: a parameter's shape, or a scalar. */
  resultShape(): ResultShape {
    const result = this.fn.result;
    if (result.kind !== "var") return undefined;
    if (this.classOf(result) === SCALAR) return "scalar";
    const k = this.fn.params.findIndex((p) => this.sameShape({ kind: "var", id: p.id }, result.id));
    return k < 0 ? undefined : k;
  }

  private classOf(a: Atom): number {
    if (a.kind === "number") return NUMBER;
    if (a.kind === "constant") return this.next++; // an outer value: any shape
    if (this.fn.vars[a.id]!.kind === "number") return NUMBER;
    let c = this.classes.get(a.id);
    const value = c === undefined ? this.fn.tangentOf?.get(a.id) : undefined;
    if (value !== undefined) this.classes.set(a.id, (c = this.classOf({ kind: "var", id: value })));
    // Parameters, merge targets and loop-carried variables: a shape of their own.
    if (c === undefined) this.classes.set(a.id, (c = this.next++));
    return c;
  }
}
