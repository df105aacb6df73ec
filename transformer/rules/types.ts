// The shape of an adjoint rule. Rules are data: each says how its primal is written and,
// for each operand, the contribution of the result's adjoint `g` to that operand's
// adjoint, as an expression over the operands, the result `y` and `g`.
import type { Expr } from "../js";
import type { Atom, ValueKind } from "../ir";
import type { Elementwise } from "./elementwise";

export interface RuleContext {
  /**
   * Adjoint of the result. For a tensor it may be smaller than the result (a number, or a
   * tensor that broadcasts to it) and stands for the whole adjoint broadcast to the
   * result's shape (runtime/internal/adjoints.ts states the invariant): a rule that reduces it must
   * reduce over the result's shape (unbroadcast with every operand), never over g's own.
   */
  readonly g: Expr;
  /** The operands' primal values. */
  readonly args: readonly Expr[];
  /** The result's primal value. */
  readonly y: Expr;
  /** Whether the result is a tensor (or may be): arithmetic on `g` must then use the runtime. */
  readonly tensor: boolean;
  /**
   * Whether operand i is known to have the result's shape (shapes.ts), so that nothing was
   * broadcast into it and its share of `g` needs no reduction. False when unknown.
   */
  readonly hasResultShape: (i: number) => boolean;
}

/** The contribution of `g` to one operand's adjoint. */
export type Adjoint = (c: RuleContext) => Expr;

export interface Rule {
  /**
   * Operand count, or "variadic": any number of alike operands (Math.max, Math.hypot), or
   * optional trailing ones (sum's axis and keepDims).
   */
  readonly arity: number | "variadic";
  /** The primal computation. A marker that returns its operand returns args[0] itself. */
  readonly primal: (args: readonly Expr[]) => Expr;
  /**
   * One entry per operand: its adjoint, or null for an operand no gradient flows into (an
   * option such as an axis, a condition, a hook; every operand of a piecewise-constant
   * function such as Math.floor, and of stopGradient). A variadic rule lists every operand
   * it declares (sum: x, axis, keepDims). A rule over any number of alike operands gives
   * one function of the operand's index instead.
   */
  readonly adjoints: readonly (Adjoint | null)[] | ((c: RuleContext, i: number) => Expr);
  /**
   * For a rule whose contributions come from one call (a user's backward): an array
   * expression with one contribution for each operand after those `adjoints` lists,
   * evaluated once and destructured.
   */
  readonly adjointAll?: (c: RuleContext) => Expr;
  /**
   * For element reads (x[i]): the contribution of operand 0 is its adjoint added into its
   * element `args[scatterIndex]`, in place in the array gradient the sweep owns.
   */
  readonly scatterIndex?: number;
  /**
   * For reads out of a collection (layers[i].w, operands parent, collection, index, keys):
   * operand 1's contribution is added into its gradient structure at the index and keys.
   */
  readonly treeRead?: true;
  /**
   * What shapes.ts may assume of the result's shape: "elementwise", the broadcast shape of
   * all its operands (a tensor operation applied element by element, where's condition
   * included); "firstOperand", the shape of operand 0 (a marker that returns it). Absent: a
   * shape of its own. A wrong claim is a silently wrong gradient (a share of the adjoint left
   * unreduced), so a rule makes it only when it always holds. Number rules make none: their
   * results are numbers, which shapes.ts knows without them.
   */
  readonly shape?: "elementwise" | "firstOperand";
  /** The definition shared by the number and tensor rules of one operation (elementwise.ts), if it has one. */
  readonly elementwise?: Elementwise;
  /**
   * Forward mode: the result's tangent from the operands' tangents, built as IR statements of
   * primitives of this table (so that a tangent can itself be differentiated). "linear": the
   * adjoints applied to each operand's tangent and summed (every adjoint of an elementwise
   * rule is g times the operand's partial derivative); null: the result's tangent is zero.
   */
  readonly tangent: Tangent | "linear" | null;
  /** The rule in one line of math, for readers of the table. */
  readonly summary: string;
}

/** What a tangent rule works with: atoms of the forward-mode IR, and a builder that appends to it. */
export interface TangentContext {
  /** The operands' primal values, and the result's. */
  readonly args: readonly Atom[];
  readonly y: Atom;
  /** The operands' tangents; null where an operand's tangent is zero. */
  readonly tangents: readonly (Atom | null)[];
  /** Whether the result is a tensor (or may be). */
  readonly tensor: boolean;
  /** Whether operand i certainly has the result's shape (shapes.ts). */
  readonly hasResultShape: (i: number) => boolean;
  /** Appends `let t = prim(args)` (a value of `kind`, default the result's) and returns t. */
  emit(prim: string, args: readonly Atom[], kind?: ValueKind): Atom;
  /** A zero tangent for a value: 0 for a number, zeroTangent(x) (zeros of its shape) otherwise. */
  zero(of: Atom): Atom;
  /** The read log of a tangent array's logged reads, given the primal read's (loggedIndex's operand 3): one no read uses yet. */
  tangentLog(log: Atom | undefined): Atom;
  /** Refuses the primitive in forward mode, with what to write instead. */
  refuse(message: string): never;
  /** Whether the tangent code will be differentiated again (a second derivative): markers that change only the backward sweep are refused. */
  readonly nested: boolean;
}

/** The tangent of the result, or null for zero. */
export type Tangent = (c: TangentContext) => Atom | null;
