// The shape of an adjoint rule. Rules are data: each says how its primal is written and,
// for each operand, the contribution of the result's adjoint `g` to that operand's
// adjoint, as an expression over the operands, the result `y` and `g`.
import type { Expr } from "../js";

export interface RuleContext {
  /**
   * Adjoint of the result. For a tensor it may be smaller than the result (a number, or a
   * tensor that broadcasts to it) and stands for the whole adjoint broadcast to the
   * result's shape (runtime/adjoints.ts states the invariant): a rule that reduces it must
   * reduce over the result's shape (unbroadcast with every operand), never over g's own.
   */
  readonly g: Expr;
  /** The operands' primal values. */
  readonly args: readonly Expr[];
  /** The result's primal value. */
  readonly y: Expr;
  /** Which operand the contribution is for. */
  readonly i: number;
  /** Whether the result is a tensor (or may be): arithmetic on `g` must then use the runtime. */
  readonly tensor: boolean;
  /**
   * Whether operand i is known to have the result's shape (shapes.ts), so that nothing was
   * broadcast into it and its share of `g` needs no reduction. False when unknown.
   */
  readonly hasResultShape: (i: number) => boolean;
}

export interface Rule {
  /** Operand count, or "variadic" (Math.max, Math.hypot, ...). */
  readonly arity: number | "variadic";
  /** The primal computation. A marker that returns its operand returns args[0] itself. */
  readonly primal: (args: readonly Expr[]) => Expr;
  /**
   * Operands through which a gradient flows. Empty for functions that are piecewise
   * constant (Math.floor) and for stopGradient: their results carry no gradient.
   * Defaults to every operand.
   */
  readonly differentiable?: (i: number) => boolean;
  /** Contribution of `g` to operand `i`'s adjoint. */
  readonly adjoint: (c: RuleContext) => Expr;
  /**
   * For a rule whose contributions come from one call (a user's backward): an array
   * expression with one contribution per operand after the first, evaluated once and
   * destructured. Takes precedence over `adjoint`.
   */
  readonly adjointAll?: (c: Omit<RuleContext, "i">) => Expr;
  /**
   * For element reads (x[i]): the contribution of operand 0 is `adjoint(c)` added into its
   * element `args[scatterIndex]`, in place in the array gradient the sweep owns.
   */
  readonly scatterIndex?: number;
  /** The rule in one line of math, for readers of the table. */
  readonly summary: string;
}
