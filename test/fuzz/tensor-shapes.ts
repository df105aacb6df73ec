// Random tensor programs over random shapes, for the differential fuzzer (issue #10, parts 3-5).
//
// The generator keeps the shape of every expression while it builds it (top-down: each
// expression is generated for an exact target shape, or for "number"), so every program is
// valid: broadcast operands are chosen to broadcast exactly to the target (ranks 0 to 3,
// size-1 dimensions, plain numbers and 0-d tensors mixed in), reductions get axes that exist
// (negative, single, arrays, keepDims both ways, full reductions with the axis left out,
// null or undefined), matmul and dot inner dimensions agree (1-D and 2-D), reshape sizes
// match, transpose permutations fit, gather rows are in range. Values are kept tame: log,
// sqrt, a pow's base and a division's denominator only ever see positive expressions
// (1.5 + sin, 1 + square, 0.5 + softplus, exp of tanh, ...), exp sees a bounded one.
//
// A program has 1 to 4 parameters (tensors of rank 0 to 3, often shaped like an earlier one
// with dimensions set to 1 or dropped so that they broadcast, and plain numbers), float64,
// float32 or mixed; module constants; up to two helper functions it calls; statements
// (const and reassigned let, if/else on a number condition, loops carrying one or two
// tensors or numbers: recurrent steps h = tanh(h W + b), accumulations, nested loops, break
// and continue, trip counts read from shapes); an optional early return; and a result that
// is a number, a 0-d tensor or larger (grad then differentiates the implicit sum). The
// marker is grad, vjp (with a random seed of the output's shape) or valueAndGrad (its value
// is checked too), with a random wrt (an index or an array of several). Expressions use
// every differentiable primitive, sign, where(greater(...)), the four markers (hooks that
// scale, negate, centre the gradient or weight it elementwise: they need the whole
// gradient), customGradient functions (one, two and broadcasting operands), shape reads
// (x.shape[d], x.size, x.shape.length) and creation functions (onesLike, zerosLike,
// ones(x.shape), full, tensor, randomNormal, randomUniform) as constants.
//
// Every program is checked against two independent references:
//
// 1. Central finite differences in float64 (h = 1e-6) of the program run by the
//    interpreter below (the runtime's primitives called directly, no transformer) on
//    float64 copies of the inputs (float32 inputs are cast exactly; constants are built in
//    float64). Markers are identities at run time, so the interpreter gives them their
//    gradient semantics for the differences: it first runs the program at the unperturbed
//    point and records the value x0 of each marker's operand (per occurrence, so markers
//    inside loops are recorded per iteration), then at each perturbed point it replaces
//    stopGradient(x) by x0 (held constant), reverseGradient(x, l) by x0 + (-l)(x - x0) and a
//    linear hook gradHook(x, g => k g) by x0 + k(x - x0): the same value at the
//    unperturbed point and, to first order, the marker's gradient. customGradient functions
//    have a correct backward, so the differences see their forward. The function
//    differentiated is sum(f) for grad and valueAndGrad (the implicit sum) and
//    sum(seed * f) for vjp. Tolerance: 2e-5 of max(1, the largest |difference| of that
//    parameter), plus rounding of the summed output (1e-9 |f|_1); when any input or constant
//    is float32, 3e-3 of it or twice TF.js's own distance from the differences, whichever is
//    larger (a long float32 program rounds by more than 3e-3 of its gradient; TF.js, an
//    independent float32 implementation, measures how much, and still holds ours to 3e-3).
// 2. TensorFlow.js (CPU backend, float32): the same program translated to tf ops and
//    differentiated with tf.valueAndGrads (dy = the vjp seed). Markers and customGradient
//    become tf.customGrad functions with the marker's gradFunc (stopGradient gives zeros,
//    the hook's function, -lambda dy, the custom backward translated). Our matmul and dot of
//    1-D operands are tf.dot (same NumPy semantics); a 0-d operand of dot is tf.mul;
//    logSoftmax along a non-last axis, which tf refuses, is x - logSumExp(x, axis, true);
//    where's operands are broadcast with tf.broadcastTo and its condition is rebuilt as a
//    constant from tf.greater's values (tf.greater has no gradient function); maximum and
//    minimum are broadcast first too (tf's gradients for them do not reduce). Tolerance:
//    3e-3 of max(1, the largest |gradient| of that parameter).
//
// Kinks (relu and abs at 0, ties of maximum/minimum, a where condition's operands equal)
// are measured by the interpreter at the unperturbed point in float64; when one is closer
// than 1e-3 neither reference's numbers are compared (the transformer splits ties evenly,
// tf gives them to one side, and a finite difference straddles the kink), but the program
// still has to compile, run, and give gradients of the right shape and dtype. Programs any of
// whose values (intermediate ones too) leave [-1e6, 1e6] or are not finite are likewise only
// checked for shape and dtype.
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import * as rt from "../../runtime";
import { Tensor, isTensor, tensor } from "../../runtime";
import { compile } from "../harness";

export type Shape = number[];
export type Ty = "number" | Shape;
export type DType = "float32" | "float64";

const UNARY = [
  "neg",
  "sin",
  "cos",
  "tanh",
  "square",
  "sigmoid",
  "softplus",
  "exp",
  "log",
  "log1p",
  "sqrt",
  "abs",
  "relu",
  "sign",
] as const;
type UnaryOp = (typeof UNARY)[number];
type BinaryOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";
type ReduceOp = "sum" | "mean" | "logSumExp";
/** How a reduction's axis is written: left out, null, undefined, one axis, or an array. */
type AxisArg = "omit" | "null" | "undefined" | number | number[];
type Custom = "cgTanh" | "cgSoftplus" | "cgScale" | "cgMul";

/** A condition on numbers for if statements and early returns (a kink of the program where a = b). */
export interface Cond {
  a: Expr;
  op: ">" | "<";
  b: number;
}

export type Expr =
  | { k: "param"; i: number }
  | { k: "var"; name: string }
  | { k: "lit"; v: number }
  | { k: "const"; c: number }
  | { k: "unary"; op: UnaryOp; a: Expr }
  | { k: "math"; op: "sin" | "cos" | "tanh" | "exp"; a: Expr }
  | { k: "js"; op: "+" | "-" | "*"; a: Expr; b: Expr }
  | { k: "binary"; op: BinaryOp; a: Expr; b: Expr }
  | {
      k: "reduce";
      op: ReduceOp;
      a: Expr;
      axis: AxisArg;
      keepDims: "omit" | boolean;
    }
  | { k: "matmul"; op: "matmul" | "dot"; a: Expr; b: Expr }
  | { k: "reshape"; a: Expr; shape: number[] }
  | { k: "transpose"; a: Expr; perm?: number[] }
  | { k: "where"; c1: Expr; c2: Expr; a: Expr; b: Expr }
  | { k: "logSoftmax"; a: Expr; axis?: number }
  | { k: "gather"; a: Expr; rows: number[] }
  | { k: "stop"; a: Expr }
  /** A hook g => k g, g => neg(g), g => sub(g, mean(g)) ("center") or g => mul(g, c) with a constant c of x's shape: linear and symmetric, see the header. */
  | { k: "hook"; a: Expr; hook: "neg" | "center" | number | { c: number } }
  | { k: "reverse"; a: Expr; lambda?: number }
  | { k: "custom"; fn: Custom; args: Expr[] }
  /** A number read from a tensor's shape: x.shape[d] (d may be negative? no: an index), x.size, x.shape.length. A constant. */
  | { k: "shapeRead"; of: Expr; what: "dim" | "size" | "rank"; d?: number }
  /** A tensor made by a creation function from a shape: onesLike(x), zerosLike(x), ones(x.shape), full(x.shape, v), or ones/full of a literal shape. */
  | {
      k: "create";
      fn: "onesLike" | "zerosLike" | "ones" | "full" | "randomNormal" | "randomUniform" | "tensor";
      of?: Expr;
      shape?: Shape;
      v?: number;
      data?: number[];
    }
  /** A call to helper function h of the program. */
  | { k: "call"; h: number; args: Expr[] };

export type Stmt =
  | { k: "const"; name: string; ty: Ty; e: Expr; mutable?: boolean }
  /** name = e, for a variable declared with let before. */
  | { k: "assign"; name: string; e: Expr }
  /** let name = init; if (cond) { name = then; } [else { name = otherwise; }], or without init and with both branches. */
  | { k: "if"; name: string; ty: Ty; cond: Cond; then: Expr; otherwise?: Expr; init?: Expr }
  /** let name = init; for (let i = 0; i < n; i++) name = body; (body reads name and i) */
  | {
      k: "loop";
      name: string;
      ty: Ty;
      init: Expr;
      n: number;
      body: Expr;
      bound?: Expr;
      skip?: { at: number; how: "break" | "continue" };
      /** More variables the loop carries, each updated after the first (an accumulator reading it, say). */
      more?: { name: string; ty: Ty; init: Expr; body: Expr }[];
      /** A nested loop for (let j = 0; j < inner; j++) around the updates. */
      inner?: number;
    };

/** A function of the program that f calls: parameters a0, a1, ...; consts w0, w1, ... */
export interface Helper {
  params: Ty[];
  body: Stmt[];
  result: Expr;
  resultTy: Ty;
}

export interface ShapedProgram {
  helpers?: Helper[];
  /** if (cond) return e; before the final return. */
  early?: { cond: Cond; e: Expr };
  params: { ty: Ty; dtype: DType }[];
  consts: { shape: Shape; data: number[]; dtype: DType }[];
  body: Stmt[];
  result: Expr;
  resultTy: Ty;
  marker: "grad" | "vjp" | "valueAndGrad";
  wrt: number | number[];
}

export interface TensorValue {
  shape: Shape;
  dtype: DType;
  data: number[];
}
export interface ShapedInputs {
  args: (number | TensorValue)[];
  /** vjp only: a seed of the output's shape. */
  seed?: number | TensorValue;
}

export interface ShapedCase {
  program: ShapedProgram;
  inputs: ShapedInputs;
}

// ---- shapes ----

const isNum = (t: Ty): t is "number" => t === "number";
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const sameTy = (a: Ty, b: Ty): boolean =>
  isNum(a) || isNum(b) ? a === b : a.length === b.length && a.every((d, i) => d === b[i]);
/** NumPy broadcasting; "number" broadcasts to anything; undefined when incompatible. */
function broadcast(a: Ty, b: Ty): Ty | undefined {
  if (isNum(a)) return b;
  if (isNum(b)) return a;
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}
/** Whether `a` broadcasts to exactly `s` (or into it, as one operand of several). */
const fitsInto = (a: Ty, s: Shape): boolean =>
  isNum(a) || (a.length <= s.length && a.every((d, i) => d === 1 || d === s[s.length - a.length + i]));

// ---- generation ----

/** An integer without fast-check's bias towards the bounds (which would skew every probability below); one builder, so that fc.gen replays draws while shrinking. */
const unbiasedInt = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

/** Random choices drawn through fast-check's fc.gen(), so that a failure shrinks (each draw towards 0: the simplest choice is listed first). */
class Draw {
  constructor(private readonly g: fc.GeneratorValue) {}
  int(min: number, max: number): number {
    return this.g(unbiasedInt, min, max);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
  /** true with probability p; shrinks to false. */
  chance(p: number): boolean {
    return this.int(0, 999) >= 1000 - p * 1000;
  }
  /** Index into weights, the first entry being the simplest. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.int(0, 999) * (total / 1000);
    for (let i = 0; i < weights.length; i++) {
      if (x < weights[i]!) return i;
      x -= weights[i]!;
    }
    return weights.length - 1;
  }
  value(): number {
    return this.int(-1500000, 1500000) / 1e6;
  }
}

interface Binding {
  e: Expr;
  ty: Ty;
}

/** b + 0.5: the other operand of a maximum or a comparison whose operands came out the same (a tie everywhere, no gradient to compare). */
const apart = (b: Expr): Expr => ({ k: "binary", op: "add", a: b, b: { k: "lit", v: 0.5 } });

/** Switches for constructs the generator leaves out (see /work/notes/fuzz-findings.md). */
export const EXCLUDE = {
  /** Shape reads (x.shape[0], x.size) and creation from shapes (onesLike, ones(x.shape)): refused (ADJ203/ADJ204) until main supports them. */
  shapeReads: false,
};

class Generator {
  readonly consts: ShapedProgram["consts"] = [];
  readonly helpers: Helper[] = [];
  env: Binding[] = [];
  inLoop = false;
  constructor(
    readonly r: Draw,
    readonly dtypeOf: () => DType,
  ) {}

  dim(): number {
    return this.r.pick([2, 3, 1]);
  }
  randShape(maxRank = 3): Shape {
    const rank = this.r.pick([1, 2, 0, 3].filter((x) => x <= maxRank));
    return Array.from({ length: rank }, () => this.dim());
  }
  tensors(): Binding[] {
    return this.env.filter((b) => !isNum(b.ty));
  }
  constant(shape: Shape): Expr {
    if (!EXCLUDE.shapeReads && this.r.chance(0.2)) {
      const fn = this.r.pick(["ones", "full", "tensor", "randomNormal", "randomUniform"] as const);
      if (fn === "tensor")
        return {
          k: "create",
          fn,
          shape,
          data: Array.from({ length: size(shape) }, () => this.r.int(-1000, 1000) / 1000),
        };
      return {
        k: "create",
        fn,
        shape,
        ...(fn === "ones" ? {} : { v: fn === "full" ? this.r.pick([0.5, -2, 1.5]) : this.r.pick([1, 7, 42]) }),
      };
    }
    const data = Array.from({ length: size(shape) }, () => this.r.int(-1000, 1000) / 1000);
    this.consts.push({ shape, data, dtype: this.dtypeOf() });
    return { k: "const", c: this.consts.length - 1 };
  }
  literal(): Expr {
    return { k: "lit", v: this.r.pick([2, 0.5, -1.5, 3, 1, -0.75, 0.25]) };
  }

  /** A target shape for an operand of something of shape s: one that broadcasts into s, or a number. */
  subTy(s: Shape): Ty {
    const existing = this.env.map((b) => b.ty).filter((t) => !isNum(t) && fitsInto(t, s));
    const c = this.r.weighted([3, 2, 1, existing.length > 0 ? 3 : 0]);
    if (c === 0) return s.slice();
    if (c === 1) {
      const drop = this.r.int(0, s.length);
      return s.slice(drop).map((d) => (this.r.chance(0.35) ? 1 : d));
    }
    if (c === 2) return "number";
    return (this.r.pick(existing) as Shape).slice();
  }
  /** n operand types that broadcast together to exactly s. */
  cover(s: Shape, n: number): Ty[] {
    const tys = Array.from({ length: n }, () => this.subTy(s));
    const full = (t: Ty) => !isNum(t) && t.length === s.length;
    if (!tys.some(full)) tys[this.r.int(0, n - 1)] = s.slice();
    for (let d = 0; d < s.length; d++) {
      if (s[d] === 1) continue;
      const covered = tys.some((t) => !isNum(t) && t.length >= s.length - d && t[t.length - (s.length - d)] === s[d]);
      if (!covered) {
        const k = tys.findIndex(full);
        (tys[k] as number[])[d] = s[d]!;
      }
    }
    return tys;
  }

  leaf(ty: Ty): Expr {
    const r = this.r;
    if (isNum(ty)) {
      const tensors = this.tensors();
      if (!EXCLUDE.shapeReads && tensors.length > 0 && r.chance(0.2)) {
        const b = r.pick(tensors);
        const rank = (b.ty as Shape).length;
        const what = r.pick(rank > 0 ? (["dim", "size", "rank"] as const) : (["size", "rank"] as const));
        return what === "dim"
          ? { k: "shapeRead", of: b.e, what, d: r.int(0, rank - 1) }
          : { k: "shapeRead", of: b.e, what };
      }
      const nums = this.env.filter((b) => isNum(b.ty));
      if (nums.length > 0 && !r.chance(0.25)) return r.pick(nums).e;
      return this.literal();
    }
    const exact = this.env.filter((b) => sameTy(b.ty, ty));
    if (!EXCLUDE.shapeReads && exact.length > 0 && r.chance(0.15)) {
      // A creation function given a tensor at hand (its shape only).
      const fn = r.pick(["onesLike", "zerosLike", "ones", "full", "randomNormal"] as const);
      return {
        k: "create",
        fn,
        of: r.pick(exact).e,
        ...(fn === "full" ? { v: r.pick([0.5, -2, 1.5]) } : fn === "randomNormal" ? { v: r.pick([1, 7, 42]) } : {}),
      };
    }
    if (exact.length > 0 && !r.chance(0.2)) return r.pick(exact).e;
    const tensors = this.tensors();
    if (tensors.length === 0 || r.chance(0.1)) {
      const nums = this.env.filter((b) => isNum(b.ty));
      // A number parameter broadcast by a constant, or a constant.
      if (nums.length > 0 && r.chance(0.5))
        return {
          k: "binary",
          op: "mul",
          a: this.constant(ty),
          b: r.pick(nums).e,
        };
      return this.constant(ty);
    }
    // Adapt a tensor of another shape: reshape, broadcast against a constant, or reduce then broadcast.
    const sameSize = tensors.filter((b) => size(b.ty as Shape) === size(ty));
    if (sameSize.length > 0 && r.chance(0.5))
      return {
        k: "reshape",
        a: r.pick(sameSize).e,
        shape: this.reshapeArg(ty),
      };
    const reducible = tensors.flatMap((b) =>
      Generator.reductionsTo(b.ty as Shape, ty).map(([axes, keep]) => ({ b, axes, keep })),
    );
    if (reducible.length > 0 && r.chance(0.6)) {
      const x = r.pick(reducible);
      return this.writeReduce(
        r.pick(["sum", "mean", "logSumExp"] as const),
        x.b.e,
        (x.b.ty as Shape).length,
        x.axes,
        x.keep,
      );
    }
    const into = tensors.filter((b) => fitsInto(b.ty, ty));
    if (into.length > 0 && r.chance(0.7))
      return {
        k: "binary",
        op: r.pick(["add", "mul"] as const),
        a: r.pick(into).e,
        b: this.constant(ty),
      };
    const b = r.pick(tensors);
    const reduced: Expr = {
      k: "reduce",
      op: r.pick(["sum", "mean"] as const),
      a: b.e,
      axis: "omit",
      keepDims: "omit",
    };
    return { k: "binary", op: "mul", a: reduced, b: this.constant(ty) };
  }

  reshapeArg(s: Shape): number[] {
    if (s.length === 0 || !this.r.chance(0.4)) return s.slice();
    const k = this.r.int(0, s.length - 1);
    return s.map((d, i) => (i === k ? -1 : d));
  }

  /** A positive, tame expression of type ty: for log, sqrt, a pow's base, a denominator. */
  positive(ty: Ty, depth: number): Expr {
    const a = this.gen(ty, depth);
    switch (this.r.int(0, 4)) {
      case 0:
        return {
          k: "binary",
          op: "add",
          a: { k: "lit", v: 1.5 },
          b: { k: "unary", op: "sin", a },
        };
      case 1:
        return {
          k: "binary",
          op: "add",
          a: { k: "lit", v: 1 },
          b: { k: "unary", op: "square", a },
        };
      case 2:
        return {
          k: "binary",
          op: "add",
          a: { k: "lit", v: 0.5 },
          b: { k: "unary", op: "softplus", a },
        };
      case 3:
        return { k: "unary", op: "exp", a: { k: "unary", op: "tanh", a } };
      default:
        return {
          k: "binary",
          op: "add",
          a: { k: "lit", v: 0.5 },
          b: { k: "unary", op: "sigmoid", a },
        };
    }
  }
  /** A bounded expression, for exp and a pow's exponent. */
  bounded(ty: Ty, depth: number): Expr {
    const a = this.gen(ty, depth);
    return { k: "unary", op: this.r.pick(["tanh", "sin", "cos"] as const), a };
  }

  unary(ty: Ty, depth: number): Expr {
    const op = this.r.pick(UNARY);
    switch (op) {
      case "exp":
        return { k: "unary", op, a: this.bounded(ty, depth) };
      case "log":
      case "sqrt":
        return { k: "unary", op, a: this.positive(ty, depth) };
      case "log1p":
        return {
          k: "unary",
          op,
          a: {
            k: "unary",
            op: this.r.pick(["square", "sigmoid"] as const),
            a: this.gen(ty, depth),
          },
        };
      default:
        return { k: "unary", op, a: this.gen(ty, depth) };
    }
  }

  binary(s: Shape, depth: number): Expr {
    const op = this.r.pick(["add", "mul", "sub", "div", "pow", "maximum", "minimum"] as const);
    const [ta, tb] = this.cover(s, 2) as [Ty, Ty];
    if (op === "div")
      return {
        k: "binary",
        op,
        a: this.gen(ta, depth),
        b: this.positive(tb, depth),
      };
    if (op === "pow") {
      // A base of the whole shape to an integer power (the base may be negative), or a positive base to a bounded exponent.
      if (this.r.chance(0.5))
        return { k: "binary", op, a: this.gen(s, depth), b: { k: "lit", v: this.r.pick([2, 3]) } };
      return { k: "binary", op, a: this.positive(ta, depth), b: this.bounded(tb, depth) };
    }
    const [a, b] = [this.gen(ta, depth), this.gen(tb, depth)];
    return {
      k: "binary",
      op,
      a,
      b: (op === "maximum" || op === "minimum") && JSON.stringify(a) === JSON.stringify(b) ? apart(b) : b,
    };
  }

  /** Ways an existing tensor of shape t reduces to s: [axes, keepDims]. */
  static reductionsTo(t: Shape, s: Shape): [number[], boolean][] {
    const out: [number[], boolean][] = [];
    for (let mask = 1; mask < 1 << t.length; mask++) {
      const axes = t.map((_, i) => i).filter((i) => mask & (1 << i));
      if (
        sameTy(
          t.filter((_, i) => !axes.includes(i)),
          s,
        )
      )
        out.push([axes, false]);
      if (
        sameTy(
          t.map((d, i) => (axes.includes(i) ? 1 : d)),
          s,
        )
      )
        out.push([axes, true]);
    }
    return out;
  }

  reduce(s: Shape, depth: number): Expr | undefined {
    const r = this.r;
    const op = r.pick(["sum", "mean", "logSumExp"] as const);
    if (s.length === 0 && r.chance(0.1)) {
      // A reduction of a 0-d tensor (every axis of none), keepDims either way.
      const axis = r.pick(["omit", "null", "undefined"] as const);
      const keepDims = r.pick(["omit", true, false] as const);
      return {
        k: "reduce",
        op,
        a: this.gen([], depth),
        axis: axis === "omit" && keepDims !== "omit" ? "null" : axis,
        keepDims,
      };
    }
    // Often a reduction of something already at hand (a parameter, a variable).
    const existing = this.tensors().flatMap((b) =>
      Generator.reductionsTo(b.ty as Shape, s).map(([axes, keep]) => ({ b, axes, keep })),
    );
    let input: Shape;
    let axes: number[];
    let keep: boolean;
    let operand: Expr | undefined;
    if (existing.length > 0 && r.chance(0.5)) {
      const x = r.pick(existing);
      [input, axes, keep] = [(x.b.ty as Shape).slice(), x.axes, x.keep];
      operand = depth > 0 && r.chance(0.5) ? undefined : x.b.e;
    } else {
      const ones = s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      keep = s.length === 3 || (ones.length > 0 && r.chance(0.4));
      if (keep) {
        if (ones.length === 0) return undefined;
        axes = ones.filter(() => r.chance(0.7));
        if (axes.length === 0) axes = [r.pick(ones)];
        input = s.map((d, i) => (axes.includes(i) ? this.dim() : d));
      } else {
        const k = r.int(1, 3 - s.length);
        const rank = s.length + k;
        const positions = Array.from({ length: rank }, (_, i) => i);
        axes = [];
        while (axes.length < k) {
          const p = positions.splice(r.int(0, positions.length - 1), 1)[0]!;
          axes.push(p);
        }
        axes.sort((a, b) => a - b);
        input = [];
        let j = 0;
        for (let i = 0; i < rank; i++) input.push(axes.includes(i) ? this.dim() : s[j++]!);
      }
    }
    return this.writeReduce(op, operand ?? this.gen(input, depth), input.length, axes, keep);
  }

  /** A reduction over axes, written at random: negative axes, one axis or an array in any order, the axis left out, null or undefined for all. */
  writeReduce(op: ReduceOp, a: Expr, rank: number, axes: number[], keep: boolean): Expr {
    const r = this.r;
    let axis: AxisArg;
    const written = axes.map((a) => (r.chance(0.4) ? a - rank : a));
    if (axes.length === rank && r.chance(0.6)) axis = r.pick(["omit", "null", "undefined"] as const);
    else if (written.length === 1 && r.chance(0.6)) axis = written[0]!;
    else {
      // An array in a random order.
      axis = [];
      while (written.length > 0) axis.push(written.splice(r.int(0, written.length - 1), 1)[0]!);
    }
    let keepDims: "omit" | boolean = keep ? true : r.pick(["omit", false] as const);
    if (axis === "omit" && keepDims !== "omit") axis = r.pick(["null", "undefined"] as const);
    return { k: "reduce", op, a, axis, keepDims };
  }

  matmul(s: Shape, depth: number): Expr | undefined {
    const r = this.r;
    const op = r.pick(["matmul", "dot"] as const);
    if (op === "dot" && r.chance(0.15)) {
      // dot with a number or a 0-d operand is a product.
      const other: Ty = r.chance(0.5) ? "number" : [];
      return r.chance(0.5)
        ? { k: "matmul", op, a: this.gen(other, depth), b: this.gen(s, depth) }
        : { k: "matmul", op, a: this.gen(s, depth), b: this.gen(other, depth) };
    }
    const k = this.dim();
    let ta: Shape, tb: Shape;
    if (s.length === 0) [ta, tb] = [[k], [k]];
    else if (s.length === 1) [ta, tb] = r.chance(0.5) ? [[s[0]!, k], [k]] : [[k], [k, s[0]!]];
    else if (s.length === 2)
      [ta, tb] = [
        [s[0]!, k],
        [k, s[1]!],
      ];
    else return undefined;
    return { k: "matmul", op, a: this.gen(ta, depth), b: this.gen(tb, depth) };
  }

  reshape(s: Shape, depth: number): Expr {
    const n = size(s);
    const shapes: Shape[] = [];
    const divisors = (m: number) => Array.from({ length: m }, (_, i) => i + 1).filter((d) => m % d === 0);
    shapes.push([]);
    for (const a of divisors(n)) {
      if (a === n) shapes.push([a]);
      for (const b of divisors(n / a)) {
        if (a * b === n) shapes.push([a, b]);
        const c = n / (a * b);
        if (Number.isInteger(c)) shapes.push([a, b, c]);
      }
    }
    const candidates = shapes.filter((q) => size(q) === n && !sameTy(q, s));
    const from = candidates.length > 0 ? this.r.pick(candidates) : s;
    return {
      k: "reshape",
      a: this.gen(from, depth),
      shape: this.reshapeArg(s),
    };
  }

  transpose(s: Shape, depth: number): Expr {
    const rank = s.length;
    if (this.r.chance(0.3) || rank < 2) return { k: "transpose", a: this.gen(s.slice().reverse(), depth) };
    const free = Array.from({ length: rank }, (_, i) => i);
    const perm: number[] = [];
    while (free.length > 0) perm.push(free.splice(this.r.int(0, free.length - 1), 1)[0]!);
    const input: number[] = new Array(rank);
    perm.forEach((p, i) => (input[p] = s[i]!));
    return {
      k: "transpose",
      a: this.gen(input, depth),
      perm: perm.map((p) => (this.r.chance(0.3) ? p - rank : p)),
    };
  }

  marker(ty: Ty, depth: number): Expr {
    const a = this.gen(ty, depth);
    switch (this.r.int(0, 2)) {
      case 0:
        return { k: "stop", a };
      case 1:
        if (!isNum(ty) && this.r.chance(0.4)) {
          if (this.r.chance(0.5)) return { k: "hook", a, hook: "center" };
          this.consts.push({
            shape: ty,
            data: Array.from({ length: size(ty) }, () => this.r.int(-2000, 2000) / 1000),
            dtype: this.dtypeOf(),
          });
          return { k: "hook", a, hook: { c: this.consts.length - 1 } };
        }
        return { k: "hook", a, hook: this.r.pick(["neg", 2, 0.5, -3] as const) };
      default:
        return this.r.chance(0.2) ? { k: "reverse", a } : { k: "reverse", a, lambda: this.r.pick([0.5, 1, -2, 1.5]) };
    }
  }

  gen(ty: Ty, depth: number): Expr {
    const r = this.r;
    if (isNum(ty)) {
      if (depth <= 0) return this.leaf(ty);
      switch (r.weighted([3, 2, 2, 1, 1.5, 1, 0.4])) {
        case 0:
          return this.leaf(ty);
        case 1:
          return {
            k: "js",
            op: r.pick(["+", "*", "-"] as const),
            a: this.gen(ty, depth - 1),
            b: this.gen(ty, depth - 1),
          };
        case 2: {
          const op = r.pick(["sin", "tanh", "cos", "exp"] as const);
          return {
            k: "math",
            op,
            a: op === "exp" ? { k: "math", op: "tanh", a: this.gen(ty, depth - 1) } : this.gen(ty, depth - 1),
          };
        }
        case 3:
          return this.unary(ty, depth - 1);
        case 4:
          return {
            k: "binary",
            op: r.pick(["mul", "add", "sub"] as const),
            a: this.gen(ty, depth - 1),
            b: this.gen(ty, depth - 1),
          };
        case 5:
          return this.call(ty, depth - 1) ?? this.marker(ty, depth - 1);
        default:
          // A reduction of a plain number: a number.
          return {
            k: "reduce",
            op: r.pick(["sum", "mean", "logSumExp"] as const),
            a: this.gen(ty, depth - 1),
            axis: "omit",
            keepDims: "omit",
          };
      }
    }
    const s = ty;
    if (depth <= 0) return this.leaf(s);
    const rank = s.length;
    for (;;) {
      const choice = r.weighted([
        2,
        3,
        4,
        1,
        3,
        rank <= 2 ? 1.5 : 0,
        1,
        rank >= 2 ? 1 : rank === 1 ? 0.3 : 0,
        rank >= 1 ? 0.7 : 0,
        rank >= 1 ? 0.7 : 0,
        1.2,
        0.6,
        this.helpers.some((h) => sameTy(h.resultTy, s)) ? 2 : 0,
      ]);
      const d = depth - 1;
      let e: Expr | undefined;
      switch (choice) {
        case 0:
          e = this.leaf(s);
          break;
        case 1:
          e = this.unary(s, d);
          break;
        case 2:
          e = this.binary(s, d);
          break;
        case 3: {
          const [tc, ta, tb] = this.cover(s, 3) as [Ty, Ty, Ty];
          const [t1, t2]: Ty[] = isNum(tc) ? ["number", "number"] : this.cover(tc, 2);
          const [c1, c2] = [this.gen(t1!, d), this.gen(t2!, d)];
          e = {
            k: "where",
            c1,
            c2: JSON.stringify(c1) === JSON.stringify(c2) ? apart(c2) : c2,
            a: this.gen(ta, d),
            b: this.gen(tb, d),
          };
          break;
        }
        case 4:
          e = this.reduce(s, d);
          break;
        case 5:
          e = this.matmul(s, d);
          break;
        case 6:
          e = this.reshape(s, d);
          break;
        case 7:
          e = this.transpose(s, d);
          break;
        case 8:
          e = {
            k: "logSoftmax",
            a: this.gen(s, d),
            ...(r.chance(0.6) ? { axis: r.int(-rank, rank - 1) } : {}),
          };
          break;
        case 9: {
          const n = this.dim();
          const rows = Array.from({ length: s[0]! }, () => r.int(0, n - 1));
          e = { k: "gather", a: this.gen([n, ...s.slice(1)], d), rows };
          break;
        }
        case 10:
          e = this.call(s, d) ?? this.marker(s, d);
          break;
        case 12:
          e = this.call(s, d, true);
          break;
        default: {
          const fn = r.pick(["cgTanh", "cgSoftplus", "cgScale", "cgMul"] as const);
          if (fn === "cgMul") {
            // Operands that broadcast: the backward's full-shape results are reduced to them by the runtime.
            const [ta, tb] = this.cover(s, 2).map((t) => (isNum(t) ? [] : t));
            e = { k: "custom", fn, args: [this.gen(ta!, d), this.gen(tb!, d)] };
            break;
          }
          e = {
            k: "custom",
            fn,
            args: fn === "cgScale" ? [this.gen(s, d), this.gen("number", d)] : [this.gen(s, d)],
          };
        }
      }
      if (e) return e;
    }
  }

  /** A call to a helper function returning ty, if there is one (half the time). */
  call(ty: Ty, depth: number, always = false): Expr | undefined {
    const fits = this.helpers.map((h, k) => [h, k] as const).filter(([h]) => sameTy(h.resultTy, ty));
    if (fits.length === 0 || !(always || this.r.chance(0.5))) return undefined;
    const [h, k] = this.r.pick(fits);
    return { k: "call", h: k, args: h.params.map((t) => this.gen(t, depth)) };
  }

  /** A helper function over parameters of the given types (it sees them and the module's constants, nothing of f). */
  helper(params: Ty[]): void {
    const outer = this.env;
    this.env = params.map((ty, i) => ({ e: { k: "param", i }, ty }));
    const body: Stmt[] = [];
    if (this.r.chance(0.5)) {
      const ty = this.r.pick(params);
      body.push({
        k: "const",
        name: "w0",
        ty,
        e: this.gen(ty, this.r.int(1, 2)),
      });
      this.env.push({ e: { k: "var", name: "w0" }, ty });
    }
    const resultTy: Ty = this.r.chance(0.3) ? [] : this.r.pick(params);
    const result = this.gen(resultTy, this.r.int(1, 3));
    this.env = outer;
    this.helpers.push({ params, body, result, resultTy });
  }

  /** A condition on a number expression (parameters, shape reads, literals). */
  cond(): Cond {
    return {
      a: this.gen("number", this.r.int(0, 1)),
      op: this.r.pick([">", "<"] as const),
      b: this.r.pick([0, 0.5, -0.5, 1]),
    };
  }

  loop(name: string, ty: Ty, depth: number): Stmt {
    const r = this.r;
    const init = this.gen(ty, Math.min(depth, 1));
    const n = r.int(1, 3);
    // The trip count sometimes read from a shape: for (let i = 0; i < x.shape[d]; i++).
    const sized = this.tensors()
      .flatMap((b) => (b.ty as Shape).map((dim, d) => ({ b, d, dim })))
      .filter((x) => x.dim === n);
    const bound: Expr | undefined =
      !EXCLUDE.shapeReads && sized.length > 0 && r.chance(0.4)
        ? (({ b, d }) => ({ k: "shapeRead", of: b.e, what: "dim", d }) as Expr)(r.pick(sized))
        : undefined;
    const self: Expr = { k: "var", name };
    const outer = this.env;
    // A second carried variable, declared before the loop like the first.
    const tensors = this.tensors();
    const ty2: Ty = r.chance(0.3)
      ? []
      : r.chance(0.2)
        ? "number"
        : tensors.length > 0 && r.chance(0.5)
          ? (r.pick(tensors).ty as Shape).slice()
          : ty;
    const second = r.chance(0.3) ? { name: `${name}s`, ty: ty2, init: this.gen(ty2, 1) } : undefined;
    const inner = r.chance(0.2) ? r.int(1, 2) : undefined;
    this.env = [
      ...outer,
      { e: self, ty },
      { e: { k: "var", name: "i" }, ty: "number" },
      ...(second ? [{ e: { k: "var", name: second.name } as Expr, ty: second.ty }] : []),
      ...(inner ? [{ e: { k: "var", name: "j" } as Expr, ty: "number" as Ty }] : []),
    ];
    let body: Expr;
    if (isNum(ty)) body = { k: "js", op: "+", a: self, b: this.gen(ty, depth) };
    else {
      const s = ty;
      const m = s[s.length - 1];
      const template = r.int(0, 2);
      if (template === 1 && m !== undefined && s.length <= 2) {
        // A recurrent step: h = tanh(h W + b).
        const w = this.gen([m, m], Math.max(0, depth - 1));
        const b = this.gen(this.subTy(s), Math.max(0, depth - 1));
        body = {
          k: "unary",
          op: "tanh",
          a: {
            k: "binary",
            op: "add",
            a: {
              k: "matmul",
              op: r.pick(["matmul", "dot"] as const),
              a: self,
              b: w,
            },
            b,
          },
        };
      } else if (template === 2) {
        body = {
          k: "unary",
          op: r.pick(["tanh", "sin"] as const),
          a: {
            k: "binary",
            op: r.pick(["add", "mul", "sub"] as const),
            a: self,
            b: this.gen(this.subTy(s), depth),
          },
        };
      } else {
        // An accumulation: acc = acc + ...
        body = {
          k: "binary",
          op: "add",
          a: self,
          b: this.gen(this.subTy(s), depth),
        };
      }
    }
    let more: { name: string; ty: Ty; init: Expr; body: Expr }[] | undefined;
    if (second) {
      const acc: Expr = { k: "var", name: second.name };
      // The step reads the first variable, brought to the accumulator's shape (reduced, reshaped or broadcast).
      let step = this.gen(isNum(second.ty) ? "number" : this.subTy(second.ty), depth);
      if (!isNum(second.ty) && !isNum(ty)) {
        const env = this.env;
        this.env = [{ e: self, ty }];
        const fromSelf = this.leaf(second.ty);
        this.env = env;
        step = { k: "binary", op: r.pick(["mul", "add"] as const), a: fromSelf, b: step };
      }
      more = [
        {
          ...second,
          body: isNum(second.ty) ? { k: "js", op: "+", a: acc, b: step } : { k: "binary", op: "add", a: acc, b: step },
        },
      ];
    }
    this.env = outer;
    // Sometimes the iteration i === at ends early: if (i === at) break; or continue; before the update.
    const skip =
      n > 1 && r.chance(0.25) ? { at: r.int(0, n - 1), how: r.pick(["continue", "break"] as const) } : undefined;
    return {
      k: "loop",
      name,
      ty,
      init,
      n,
      body,
      ...(bound ? { bound } : {}),
      ...(skip ? { skip } : {}),
      ...(more ? { more } : {}),
      ...(inner ? { inner } : {}),
    };
  }
}

/** FUZZ_SHAPED_SCALE=2 (or more) draws longer programs with deeper results, for long runs. */
const SCALE = Math.max(1, Number(process.env.FUZZ_SHAPED_SCALE ?? 1));

/** Draws a program and its inputs. */
export function generateCase(g: fc.GeneratorValue): ShapedCase {
  const r = new Draw(g);
  const mode = r.pick(["float64", "float32", "mixed"] as const);
  const dtypeOf = (): DType => (mode === "mixed" ? r.pick(["float64", "float32"] as const) : mode);
  const gen = new Generator(r, dtypeOf);
  const nParams = r.int(1, 4);
  const params: ShapedProgram["params"] = [];
  for (let i = 0; i < nParams; i++) {
    // Often the shape of an earlier parameter with some dimensions set to 1 or dropped, so that parameters broadcast against each other.
    const earlier = params.filter((p) => !isNum(p.ty));
    let ty: Ty;
    if (r.chance(0.25)) ty = "number";
    else if (earlier.length > 0 && r.chance(0.5)) {
      const base = r.pick(earlier).ty as Shape;
      ty = r.chance(0.5) ? gen.subTy(base) : [gen.dim(), ...base].slice(0, 3);
      if (isNum(ty)) ty = base.slice();
    } else ty = gen.randShape();
    params.push({ ty, dtype: isNum(ty) ? "float64" : dtypeOf() });
    gen.env.push({ e: { k: "param", i }, ty });
  }
  // Helper functions f may call, over types f has at hand (its parameters' and a few others).
  const nHelpers = r.weighted([3, 2, 1]);
  for (let k = 0; k < nHelpers; k++) {
    const types = () => (r.chance(0.7) ? (r.pick(params).ty as Ty) : gen.randShape());
    gen.helper(
      Array.from({ length: r.int(1, 2) }, () => {
        const t = types();
        return isNum(t) ? t : t.slice();
      }),
    );
  }
  const body: Stmt[] = [];
  const nStmts = r.int(0, 3 * SCALE);
  for (let j = 0; j < nStmts; j++) {
    const tensors = gen.tensors();
    const ty: Ty = r.chance(0.15)
      ? "number"
      : tensors.length > 0 && r.chance(0.6)
        ? (r.pick(tensors).ty as Shape).slice()
        : gen.randShape();
    const lets = body.filter((x): x is Extract<Stmt, { k: "const" }> => x.k === "const");
    if (lets.length > 0 && r.chance(0.15)) {
      // Reassign an earlier variable (SSA versions).
      const target = r.pick(lets);
      target.mutable = true;
      const e = gen.gen(target.ty, r.int(1, 2));
      body.push({
        k: "assign",
        name: target.name,
        e:
          r.chance(0.5) && !isNum(target.ty) ? { k: "binary", op: "add", a: { k: "var", name: target.name }, b: e } : e,
      });
      continue;
    }
    if (r.chance(0.2)) {
      const name = `b${j}`;
      const cond = gen.cond();
      const d = r.int(1, 2);
      const stmt: Stmt = r.chance(0.5)
        ? { k: "if", name, ty, cond, then: gen.gen(ty, d), otherwise: gen.gen(ty, d) }
        : {
            k: "if",
            name,
            ty,
            cond,
            init: gen.gen(ty, 1),
            then: gen.gen(ty, d),
            ...(r.chance(0.4) ? { otherwise: gen.gen(ty, d) } : {}),
          };
      body.push(stmt);
      gen.env.push({ e: { k: "var", name }, ty });
      continue;
    }
    if (r.chance(0.3)) {
      const name = `h${j}`;
      const stmt = gen.loop(name, ty, r.int(1, 2)) as Extract<Stmt, { k: "loop" }>;
      body.push(stmt);
      gen.env.push({ e: { k: "var", name }, ty });
      for (const m of stmt.more ?? []) gen.env.push({ e: { k: "var", name: m.name }, ty: m.ty });
    } else {
      const name = `v${j}`;
      body.push({ k: "const", name, ty, e: gen.gen(ty, r.int(1, 3)) });
      gen.env.push({ e: { k: "var", name }, ty });
    }
  }
  const tensors = gen.tensors();
  const resultTy: Ty = r.chance(0.1)
    ? "number"
    : r.chance(0.45)
      ? []
      : tensors.length > 0 && r.chance(0.7)
        ? (r.pick(tensors).ty as Shape).slice()
        : gen.randShape();
  const result = gen.gen(resultTy, r.int(1, 3 + SCALE));
  const early = r.chance(0.15) ? { cond: gen.cond(), e: gen.gen(resultTy, r.int(1, 2)) } : undefined;
  const marker = r.pick(["grad", "vjp", "valueAndGrad"] as const);
  let indices = Array.from({ length: nParams }, (_, i) => i).filter(() => r.chance(0.5));
  if (indices.length === 0) indices = [r.int(0, nParams - 1)];
  const wrt: number | number[] = indices.length === 1 && r.chance(0.5) ? indices[0]! : indices;
  const program: ShapedProgram = {
    helpers: gen.helpers,
    ...(early ? { early } : {}),
    params,
    consts: gen.consts,
    body,
    result,
    resultTy,
    marker,
    wrt,
  };
  const tensorValue = (shape: Shape, dtype: DType): TensorValue => ({
    shape,
    dtype,
    data: Array.from({ length: size(shape) }, () => r.value()),
  });
  const inputs: ShapedInputs = {
    args: params.map((p) => (isNum(p.ty) ? r.value() : tensorValue(p.ty, p.dtype))),
  };
  if (marker === "vjp") inputs.seed = isNum(resultTy) ? r.value() : tensorValue(resultTy, dtypeOf());
  return { program, inputs };
}

// ---- printing ----

const num = (v: number): string => (Object.is(v, -0) ? "-0" : String(v));
const axisText = (a: AxisArg): string =>
  typeof a === "number" ? String(a) : Array.isArray(a) ? `[${a.join(", ")}]` : a === "omit" ? "" : a;
const CUSTOM_SOURCE: Record<Custom, string> = {
  cgTanh:
    "const cgTanh = customGradient((x: Tensor) => tanh(x), (g: Tensor, x: Tensor) => mul(g, sub(1, square(tanh(x)))));",
  cgSoftplus:
    "const cgSoftplus = customGradient((x: Tensor) => softplus(x), (g: Tensor, x: Tensor) => mul(g, sigmoid(x)));",
  cgMul:
    "const cgMul = customGradient((a: Tensor, b: Tensor) => mul(a, b), (g: Tensor, a: Tensor, b: Tensor) => [mul(g, b), mul(g, a)]);",
  cgScale:
    "const cgScale = customGradient((x: Tensor, s: number) => mul(x, s), (g: Tensor, x: Tensor, s: number) => [mul(g, s), sum(mul(g, x)).item()]);",
};

function printExpr(e: Expr, prefix = "p"): string {
  const p = (x: Expr) => printExpr(x, prefix);
  switch (e.k) {
    case "param":
      return `${prefix}${e.i}`;
    case "call":
      return `fn${e.h}(${e.args.map(p).join(", ")})`;
    case "shapeRead":
      return e.what === "dim"
        ? `${p(e.of)}.shape[${e.d}]`
        : e.what === "size"
          ? `${p(e.of)}.size`
          : `${p(e.of)}.shape.length`;
    case "create": {
      const shape = e.of ? `${p(e.of)}.shape` : `[${e.shape!.join(", ")}]`;
      if (e.fn === "onesLike" || e.fn === "zerosLike") return `${e.fn}(${p(e.of!)})`;
      if (e.fn === "tensor") return `tensor([${e.data!.map(num).join(", ")}], { shape: ${shape} })`;
      if (e.fn === "randomNormal" || e.fn === "randomUniform") return `${e.fn}(${shape}, { seed: ${e.v} })`;
      return e.fn === "ones" ? `ones(${shape})` : `full(${shape}, ${num(e.v!)})`;
    }
    case "var":
      return e.name;
    case "lit":
      return num(e.v);
    case "const":
      return `c${e.c}`;
    case "unary":
      return `${e.op}(${p(e.a)})`;
    case "math":
      return `Math.${e.op}(${p(e.a)})`;
    case "js": {
      const wrap = (x: Expr) => (x.k === "lit" && x.v < 0 ? `(${p(x)})` : p(x));
      return `(${wrap(e.a)} ${e.op} ${wrap(e.b)})`;
    }
    case "binary":
      return `${e.op}(${p(e.a)}, ${p(e.b)})`;
    case "reduce": {
      const args = [p(e.a)];
      if (e.axis !== "omit") args.push(axisText(e.axis));
      if (e.keepDims !== "omit") args.push(String(e.keepDims));
      return `${e.op}(${args.join(", ")})`;
    }
    case "matmul":
      return `${e.op}(${p(e.a)}, ${p(e.b)})`;
    case "reshape":
      return `reshape(${p(e.a)}, [${e.shape.join(", ")}])`;
    case "transpose":
      return e.perm ? `transpose(${p(e.a)}, [${e.perm.join(", ")}])` : `transpose(${p(e.a)})`;
    case "where":
      return `where(greater(${p(e.c1)}, ${p(e.c2)}), ${p(e.a)}, ${p(e.b)})`;
    case "logSoftmax":
      return e.axis === undefined ? `logSoftmax(${p(e.a)})` : `logSoftmax(${p(e.a)}, ${e.axis})`;
    case "gather":
      return `gather(${p(e.a)}, [${e.rows.join(", ")}])`;
    case "stop":
      return `stopGradient(${p(e.a)})`;
    case "hook":
      return `gradHook(${p(e.a)}, ${e.hook === "neg" ? "(g) => neg(g)" : e.hook === "center" ? "(g) => sub(g, mean(g))" : typeof e.hook === "number" ? `(g) => mul(g, ${num(e.hook)})` : `(g) => mul(g, c${e.hook.c})`})`;
    case "reverse":
      return e.lambda === undefined ? `reverseGradient(${p(e.a)})` : `reverseGradient(${p(e.a)}, ${num(e.lambda)})`;
    case "custom":
      return `${e.fn}(${e.args.map(p).join(", ")})`;
  }
}

const tyText = (t: Ty): string => (isNum(t) ? "number" : "Tensor");

function stmtExprs(s: Stmt): Expr[] {
  switch (s.k) {
    case "const":
    case "assign":
      return [s.e];
    case "if":
      return [s.cond.a, s.then, ...(s.otherwise ? [s.otherwise] : []), ...(s.init ? [s.init] : [])];
    case "loop":
      return [s.init, s.body, ...(s.more ?? []).flatMap((m) => [m.init, m.body])];
  }
}

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const v of Object.values(e))
    if (v && typeof v === "object" && !Array.isArray(v) && "k" in v) walk(v as Expr, visit);
  if (e.k === "custom" || e.k === "call") e.args.forEach((a) => walk(a, visit));
}
function exprsOf(program: ShapedProgram): Expr[] {
  const of = (body: Stmt[], result: Expr): Expr[] => [...body.flatMap(stmtExprs), result];
  return [
    ...of(program.body, program.result),
    ...(program.early ? [program.early.e] : []),
    ...(program.helpers ?? []).flatMap((h) => of(h.body, h.result)),
  ];
}

const condText = (c: Cond, prefix: string): string => `${printExpr(c.a, prefix)} ${c.op} ${num(c.b)}`;

function printBody(body: Stmt[], result: Expr, prefix: string, early?: ShapedProgram["early"]): string[] {
  const lines: string[] = [];
  for (const s of body) {
    if (s.k === "const")
      lines.push(`  ${s.mutable ? "let" : "const"} ${s.name}: ${tyText(s.ty)} = ${printExpr(s.e, prefix)};`);
    else if (s.k === "assign") lines.push(`  ${s.name} = ${printExpr(s.e, prefix)};`);
    else if (s.k === "if") {
      lines.push(
        s.init
          ? `  let ${s.name}: ${tyText(s.ty)} = ${printExpr(s.init, prefix)};`
          : `  let ${s.name}: ${tyText(s.ty)};`,
      );
      lines.push(`  if (${condText(s.cond, prefix)}) {`, `    ${s.name} = ${printExpr(s.then, prefix)};`);
      if (s.otherwise) lines.push(`  } else {`, `    ${s.name} = ${printExpr(s.otherwise, prefix)};`);
      lines.push(`  }`);
    } else {
      lines.push(`  let ${s.name}: ${tyText(s.ty)} = ${printExpr(s.init, prefix)};`);
      for (const m of s.more ?? []) lines.push(`  let ${m.name}: ${tyText(m.ty)} = ${printExpr(m.init, prefix)};`);
      lines.push(`  for (let i = 0; i < ${s.bound ? printExpr(s.bound, prefix) : s.n}; i++) {`);
      if (s.skip) lines.push(`    if (i === ${s.skip.at}) ${s.skip.how};`);
      const pad = s.inner ? "      " : "    ";
      if (s.inner) lines.push(`    for (let j = 0; j < ${s.inner}; j++) {`);
      lines.push(`${pad}${s.name} = ${printExpr(s.body, prefix)};`);
      for (const m of s.more ?? []) lines.push(`${pad}${m.name} = ${printExpr(m.body, prefix)};`);
      if (s.inner) lines.push(`    }`);
      lines.push(`  }`);
    }
  }
  if (early) lines.push(`  if (${condText(early.cond, prefix)}) {`, `    return ${printExpr(early.e, prefix)};`, `  }`);
  lines.push(`  return ${printExpr(result, prefix)};`);
  return lines;
}

export function printProgram(program: ShapedProgram): string {
  const customs = new Set<Custom>();
  for (const e of exprsOf(program)) walk(e, (x) => x.k === "custom" && customs.add(x.fn));
  const lines = [
    `import { grad, vjp, valueAndGrad, stopGradient, gradHook, reverseGradient, customGradient, type Tensor, tensor, ones, full, onesLike, zerosLike, randomNormal, randomUniform, add, sub, mul, div, pow, neg, exp, log, log1p, sin, cos, tanh, sqrt, abs, square, sigmoid, relu, softplus, sign, maximum, minimum, where, greater, sum, mean, logSumExp, reshape, transpose, matmul, dot, logSoftmax, gather } from "adjoint";`,
    ...program.consts.map(
      (c, i) =>
        `const c${i} = tensor([${c.data.map(num).join(", ")}], { shape: [${c.shape.join(", ")}], dtype: "${c.dtype}" });`,
    ),
    ...[...customs].sort().map((c) => CUSTOM_SOURCE[c]),
    ...(program.helpers ?? []).flatMap((h, k) => [
      `function fn${k}(${h.params.map((t, i) => `a${i}: ${tyText(t)}`).join(", ")}): ${tyText(h.resultTy)} {`,
      ...printBody(h.body, h.result, "a"),
      "}",
    ]),
    `export function f(${program.params.map((p, i) => `p${i}: ${tyText(p.ty)}`).join(", ")}): ${tyText(program.resultTy)} {`,
  ];
  lines.push(...printBody(program.body, program.result, "p", program.early), "}");
  const wrt = Array.isArray(program.wrt) ? `[${program.wrt.join(", ")}]` : String(program.wrt);
  lines.push(`export const d = ${program.marker}(f, { wrt: ${wrt} });`);
  return lines.join("\n");
}

// ---- the interpreter (the runtime's primitives, no transformer) ----

type V = number | Tensor;

/**
 * How markers are evaluated: "plain" as at run time (identities); "record" also records
 * each marker operand's value (per occurrence); "frozen" gives the markers their gradient
 * semantics around the recorded values (see the header).
 */
interface Interp {
  mode: "plain" | "record" | "frozen";
  float64: boolean;
  /** Every constant in float32 (with float32 inputs): the program as TF.js computes it, to measure its float32 rounding. */
  float32?: boolean;
  recorded: Map<Expr, V[]>;
  seen: Map<Expr, number>;
  kink: number;
  /** The largest magnitude of any value computed (record mode): past 1e6 the program is too wild to compare. */
  big?: number;
}

function toTensor(v: TensorValue, float64: boolean, float32 = false): Tensor {
  return tensor(v.data, {
    shape: v.shape,
    dtype: float64 ? "float64" : float32 ? "float32" : v.dtype,
  });
}

function maxAbs(v: Tensor): number {
  let m = 0;
  for (const x of v.data) m = Number.isNaN(x) ? NaN : Math.max(m, Math.abs(x));
  return m;
}

function minAbs(v: V): number {
  if (typeof v === "number") return Math.abs(v);
  let m = Infinity;
  for (const x of v.data) m = Math.min(m, Math.abs(x));
  return m;
}

function axisValue(a: AxisArg): number | number[] | null | undefined {
  return a === "null" ? null : a === "undefined" || a === "omit" ? undefined : a;
}

function interpret(program: ShapedProgram, mainArgs: V[], it: Interp): V {
  const consts = program.consts.map((c) => toTensor(c, it.float64, it.float32));
  const R = rt as unknown as Record<string, (...a: unknown[]) => V>;
  const run = (body: Stmt[], result: Expr, args: V[], early?: ShapedProgram["early"]): V => {
    const env = new Map<string, V>();
    const ev = (e: Expr): V => {
      const v = evaluate(e);
      if (it.mode === "record") {
        const m = typeof v === "number" ? Math.abs(v) : maxAbs(v);
        it.big = Number.isNaN(m) ? Infinity : Math.max(it.big ?? 0, m);
      }
      return v;
    };
    const evaluate = (e: Expr): V => {
      switch (e.k) {
        case "param":
          return args[e.i]!;
        case "call": {
          const h = program.helpers![e.h]!;
          return run(h.body, h.result, e.args.map(ev));
        }
        case "shapeRead": {
          const x = ev(e.of) as Tensor;
          return e.what === "dim" ? x.shape[e.d!]! : e.what === "size" ? x.size : x.shape.length;
        }
        case "create": {
          const of = e.of && (ev(e.of) as Tensor);
          if (e.fn === "onesLike") return rt.onesLike(of!);
          if (e.fn === "zerosLike") return rt.zerosLike(of!);
          const shape = of ? of.shape : e.shape!;
          if (e.fn === "tensor") return tensor(e.data!, { shape });
          if (e.fn === "randomNormal") return rt.randomNormal(shape, { seed: e.v! });
          if (e.fn === "randomUniform") return rt.randomUniform(shape, { seed: e.v! });
          return e.fn === "ones" ? rt.ones(shape) : rt.full(shape, e.v!);
        }
        case "var":
          return env.get(e.name)!;
        case "lit":
          return e.v;
        case "const":
          return consts[e.c]!;
        case "unary": {
          const a = ev(e.a);
          if (e.op === "abs" || e.op === "relu" || e.op === "sign") it.kink = Math.min(it.kink, minAbs(a));
          return R[e.op]!(a);
        }
        case "math":
          return Math[e.op](ev(e.a) as number);
        case "js": {
          const [a, b] = [ev(e.a) as number, ev(e.b) as number];
          return e.op === "+" ? a + b : e.op === "-" ? a - b : a * b;
        }
        case "binary": {
          const [a, b] = [ev(e.a), ev(e.b)];
          if (e.op === "maximum" || e.op === "minimum") it.kink = Math.min(it.kink, minAbs(rt.sub(a, b)));
          return R[e.op]!(a, b);
        }
        case "reduce": {
          const a = ev(e.a);
          if (e.axis === "omit" && e.keepDims === "omit") return R[e.op]!(a);
          if (e.keepDims === "omit") return R[e.op]!(a, axisValue(e.axis));
          return R[e.op]!(a, axisValue(e.axis), e.keepDims);
        }
        case "matmul":
          return R[e.op]!(ev(e.a), ev(e.b));
        case "reshape":
          return rt.reshape(ev(e.a), e.shape);
        case "transpose":
          return e.perm ? rt.transpose(ev(e.a), e.perm) : rt.transpose(ev(e.a));
        case "where": {
          const [c1, c2] = [ev(e.c1), ev(e.c2)];
          it.kink = Math.min(it.kink, minAbs(rt.sub(c1, c2)));
          return rt.where(rt.greater(c1, c2), ev(e.a), ev(e.b));
        }
        case "logSoftmax":
          return e.axis === undefined ? rt.logSoftmax(ev(e.a)) : rt.logSoftmax(ev(e.a), e.axis);
        case "gather":
          return rt.gather(ev(e.a) as Tensor, e.rows);
        case "stop":
        case "hook":
        case "reverse": {
          const x = ev(e.a);
          if (it.mode === "plain") return x;
          if (it.mode === "record") {
            if (!it.recorded.has(e)) it.recorded.set(e, []);
            it.recorded.get(e)!.push(x);
            return x;
          }
          const n = it.seen.get(e) ?? 0;
          it.seen.set(e, n + 1);
          const x0 = it.recorded.get(e)![n]!;
          if (e.k === "stop") return x0;
          const dx = rt.sub(x, x0);
          if (e.k === "hook" && e.hook === "center") return rt.add(x0, rt.sub(dx, rt.mean(dx)));
          if (e.k === "hook" && typeof e.hook === "object") return rt.add(x0, rt.mul(consts[e.hook.c]!, dx));
          const k = e.k === "reverse" ? -(e.lambda ?? 1) : e.hook === "neg" ? -1 : (e.hook as number);
          return rt.add(x0, rt.mul(k, dx));
        }
        case "custom": {
          const x = ev(e.args[0]!);
          if (e.fn === "cgTanh") return rt.tanh(x);
          if (e.fn === "cgSoftplus") return rt.softplus(x);
          return rt.mul(x, ev(e.args[1]!)); // cgScale, cgMul
        }
      }
    };
    const holds = (c: Cond): boolean => {
      const a = ev(c.a) as number;
      it.kink = Math.min(it.kink, Math.abs(a - c.b));
      return c.op === ">" ? a > c.b : a < c.b;
    };
    for (const s of body) {
      if (s.k === "const" || s.k === "assign") env.set(s.name, ev(s.e));
      else if (s.k === "if") {
        if (s.init) env.set(s.name, ev(s.init));
        if (holds(s.cond)) env.set(s.name, ev(s.then));
        else if (s.otherwise) env.set(s.name, ev(s.otherwise));
      } else {
        env.set(s.name, ev(s.init));
        for (const m of s.more ?? []) env.set(m.name, ev(m.init));
        for (let i = 0; i < s.n; i++) {
          env.set("i", i);
          if (s.skip?.at === i) {
            if (s.skip.how === "break") break;
            continue;
          }
          for (let j = 0; j < (s.inner ?? 1); j++) {
            env.set("j", j);
            env.set(s.name, ev(s.body));
            for (const m of s.more ?? []) env.set(m.name, ev(m.body));
          }
        }
        env.delete("i");
        env.delete("j");
      }
    }
    if (early && holds(early.cond)) return ev(early.e);
    return ev(result);
  };
  return run(program.body, program.result, mainArgs, program.early);
}

// ---- the TensorFlow.js translation ----

let tfReady = false;
function tfInit(): void {
  if (tfReady) return;
  tf.setBackend("cpu");
  tfReady = true;
}

type TfFn = (...xs: tf.Tensor[]) => tf.Tensor;
/**
 * tf.customGrad with the inputs saved: tf disposes the forward pass's intermediate tensors
 * before the backward pass, so gradFunc reads its inputs from `saved`, never from a closure.
 */
const customGrad = (
  value: (...xs: tf.Tensor[]) => tf.Tensor,
  gradFunc: (dy: tf.Tensor, xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): TfFn =>
  tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as (ts: tf.Tensor[]) => void;
    const xs = args as tf.Tensor[];
    save(xs);
    return {
      value: value(...xs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradFunc(dy, saved),
    };
  }) as never) as unknown as TfFn;
/** g summed over the axes broadcasting added to an operand of this shape (tf's customGrad wants gradients of the inputs' shapes). */
function unbroadcastTf(g: tf.Tensor, shape: Shape): tf.Tensor {
  const lead = g.rank - shape.length;
  const axes = g.shape.map((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? i : -1)).filter((i) => i >= 0);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes, true) : g, shape);
}
let tfMarkers: Record<string, TfFn> | undefined;
function markers(): Record<string, TfFn> {
  tfMarkers ??= {
    stop: customGrad(
      (x) => tf.clone(x),
      (dy) => tf.zerosLike(dy),
    ),
    cgTanh: customGrad(
      (x) => tf.tanh(x),
      (dy, [x]) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x!)))),
    ),
    cgSoftplus: customGrad(
      (x) => tf.softplus(x),
      (dy, [x]) => tf.mul(dy, tf.sigmoid(x!)),
    ),
    cgMul: customGrad(
      (a, b) => tf.mul(a, b),
      (dy, [a, b]) => [unbroadcastTf(tf.mul(dy, b!), a!.shape), unbroadcastTf(tf.mul(dy, a!), b!.shape)],
    ),
    cgScale: customGrad(
      (x, s) => tf.mul(x, s!),
      (dy, [x, s]) => [tf.mul(dy, s!), tf.sum(tf.mul(dy, x!))],
    ),
  };
  return tfMarkers;
}
const scaledCache = new Map<number, TfFn>();
const scaled = (k: number): TfFn => {
  if (!scaledCache.has(k))
    scaledCache.set(
      k,
      customGrad(
        (x) => tf.clone(x),
        (dy) => tf.mul(dy, k),
      ),
    );
  return scaledCache.get(k)!;
};

function tfEvaluate(program: ShapedProgram, mainArgs: tf.Tensor[]): tf.Tensor {
  const M = markers();
  const consts = program.consts.map((c) => tf.tensor(c.data, c.shape, "float32"));
  const T = tf as unknown as Record<string, (...a: unknown[]) => tf.Tensor>;
  const run = (body: Stmt[], result: Expr, args: tf.Tensor[], early?: ShapedProgram["early"]): tf.Tensor => {
    const env = new Map<string, tf.Tensor>();
    const ev = (e: Expr): tf.Tensor => {
      switch (e.k) {
        case "param":
          return args[e.i]!;
        case "call": {
          const h = program.helpers![e.h]!;
          return run(h.body, h.result, e.args.map(ev));
        }
        case "shapeRead": {
          const x = ev(e.of);
          return tf.scalar(e.what === "dim" ? x.shape[e.d!]! : e.what === "size" ? x.size : x.rank);
        }
        case "create": {
          const of = e.of && ev(e.of);
          if (e.fn === "onesLike") return tf.onesLike(of!);
          if (e.fn === "zerosLike") return tf.zerosLike(of!);
          const shape = of ? of.shape : e.shape!;
          if (e.fn === "tensor") return tf.tensor(e.data!, shape, "float32");
          // The same seeded values as the runtime's generator (xoshiro128**), made once by it.
          if (e.fn === "randomNormal")
            return tf.tensor(Array.from(rt.randomNormal(shape, { seed: e.v! }).data), shape, "float32");
          if (e.fn === "randomUniform")
            return tf.tensor(Array.from(rt.randomUniform(shape, { seed: e.v! }).data), shape, "float32");
          return e.fn === "ones" ? tf.ones(shape) : tf.fill(shape, e.v!);
        }
        case "var":
          return env.get(e.name)!;
        case "lit":
          return tf.scalar(e.v);
        case "const":
          return consts[e.c]!;
        case "unary":
          return T[e.op]!(ev(e.a));
        case "math":
          return T[e.op]!(ev(e.a));
        case "js":
          return T[{ "+": "add", "-": "sub", "*": "mul" }[e.op]]!(ev(e.a), ev(e.b));
        case "binary": {
          const [a, b] = [ev(e.a), ev(e.b)];
          if (e.op !== "maximum" && e.op !== "minimum") return T[e.op]!(a, b);
          // tf's Maximum and Minimum gradients do not reduce over broadcast axes: broadcast first.
          const shape = broadcast(a.shape, b.shape) as Shape;
          return T[e.op]!(tf.broadcastTo(a, shape), tf.broadcastTo(b, shape));
        }
        case "reduce": {
          const a = ev(e.a);
          const axis = axisValue(e.axis);
          return T[e.op]!(a, axis === undefined ? null : axis, e.keepDims === true);
        }
        case "matmul": {
          const [a, b] = [ev(e.a), ev(e.b)];
          return a.rank === 0 || b.rank === 0 ? tf.mul(a, b) : tf.dot(a, b);
        }
        case "reshape":
          return tf.reshape(ev(e.a), e.shape);
        case "transpose": {
          const a = ev(e.a);
          return tf.transpose(
            a,
            e.perm?.map((p) => (p < 0 ? p + a.rank : p)),
          );
        }
        case "where": {
          // tf.greater has no gradient function: the condition is rebuilt as a constant, off the tape.
          const greater = tf.greater(ev(e.c1), ev(e.c2));
          const cond = tf.tensor(greater.dataSync(), greater.shape, "bool");
          const [a, b] = [ev(e.a), ev(e.b)];
          const shape = [cond.shape, a.shape, b.shape].reduce((x, y) => broadcast(x, y) as Shape, [] as Shape);
          return tf.where(tf.broadcastTo(cond, shape), tf.broadcastTo(a, shape), tf.broadcastTo(b, shape));
        }
        case "logSoftmax": {
          const a = ev(e.a);
          const axis = e.axis === undefined ? a.rank - 1 : e.axis < 0 ? e.axis + a.rank : e.axis;
          return axis === a.rank - 1 ? tf.logSoftmax(a) : tf.sub(a, tf.logSumExp(a, axis, true));
        }
        case "gather":
          return tf.gather(ev(e.a), tf.tensor1d(e.rows, "int32"));
        case "stop":
          return M.stop!(ev(e.a));
        case "hook": {
          const hook = e.hook;
          if (hook === "center")
            return customGrad(
              (x) => tf.clone(x),
              (dy) => tf.sub(dy, tf.mean(dy)),
            )(ev(e.a));
          if (typeof hook === "object") {
            const c = program.consts[hook.c]!;
            return customGrad(
              (x) => tf.clone(x),
              (dy) => tf.mul(dy, tf.tensor(c.data, c.shape, "float32")),
            )(ev(e.a));
          }
          return scaled(hook === "neg" ? -1 : hook)(ev(e.a));
        }
        case "reverse":
          return scaled(-(e.lambda ?? 1))(ev(e.a));
        case "custom":
          return M[e.fn]!(...e.args.map(ev));
      }
    };
    const holds = (c: Cond): boolean => {
      const a = ev(c.a).dataSync()[0]!;
      return c.op === ">" ? a > c.b : a < c.b;
    };
    for (const s of body) {
      if (s.k === "const" || s.k === "assign") env.set(s.name, ev(s.e));
      else if (s.k === "if") {
        if (s.init) env.set(s.name, ev(s.init));
        if (holds(s.cond)) env.set(s.name, ev(s.then));
        else if (s.otherwise) env.set(s.name, ev(s.otherwise));
      } else {
        env.set(s.name, ev(s.init));
        for (const m of s.more ?? []) env.set(m.name, ev(m.init));
        for (let i = 0; i < s.n; i++) {
          env.set("i", tf.scalar(i));
          if (s.skip?.at === i) {
            if (s.skip.how === "break") break;
            continue;
          }
          for (let j = 0; j < (s.inner ?? 1); j++) {
            env.set("j", tf.scalar(j));
            env.set(s.name, ev(s.body));
            for (const m of s.more ?? []) env.set(m.name, ev(m.body));
          }
        }
      }
    }
    if (early && holds(early.cond)) return ev(early.e);
    return ev(result);
  };
  return run(program.body, program.result, mainArgs, program.early);
}

interface Flat {
  shape: Shape;
  data: number[];
}

/** tf's value and gradients (float32), as plain arrays. */
function tfReference(program: ShapedProgram, inputs: ShapedInputs): { value: Flat; grads: Flat[] } {
  tfInit();
  const wrt = Array.isArray(program.wrt) ? program.wrt : [program.wrt];
  let result: { value: Flat; grads: Flat[] } | undefined;
  tf.tidy(() => {
    const args = inputs.args.map((a) => (typeof a === "number" ? tf.scalar(a) : tf.tensor(a.data, a.shape, "float32")));
    const fn = (...xs: tf.Tensor[]): tf.Tensor => {
      const all = args.slice();
      wrt.forEach((w, k) => (all[w] = xs[k]!));
      let out = tfEvaluate(program, all);
      // tf.grads refuses a parameter the output does not depend on; 0 · sum(x) connects it.
      for (const x of xs) out = tf.add(out, tf.mul(0, tf.sum(x)));
      return out;
    };
    const seed =
      inputs.seed === undefined
        ? undefined
        : typeof inputs.seed === "number"
          ? tf.scalar(inputs.seed)
          : tf.tensor(inputs.seed.data, inputs.seed.shape, "float32");
    const { value, grads } = tf.valueAndGrads(fn)(
      wrt.map((w) => args[w]!),
      seed,
    );
    const flat = (t: tf.Tensor): Flat => ({
      shape: t.shape,
      data: Array.from(t.dataSync()),
    });
    result = { value: flat(value), grads: grads.map(flat) };
  });
  return result!;
}

// ---- the check ----

/** Why the last checked case skipped numeric comparison, for statistics. */
export const stats = { checked: 0, kinks: 0, wild: 0, tfOutliers: 0, forward: 0, secondOrder: 0 };

const flatOf = (v: V): Flat =>
  typeof v === "number" ? { shape: [], data: [v] } : { shape: [...v.shape], data: Array.from(v.data) };
const fmt = (xs: number[]): string =>
  `[${xs.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(8))).join(", ")}]`;

/**
 * Compiles and runs a case; returns a description of the failure (with both references'
 * gradients), or undefined.
 */
export function checkCase(program: ShapedProgram, inputs: ShapedInputs): string | undefined {
  const source = printProgram(program);
  const compiled = compile(source);
  if (compiled.typeErrors.length > 0)
    return `generator bug: the program does not type-check: ${compiled.typeErrors.join("; ")}`;
  if (compiled.codes.length > 0) return `the transformer refused a supported program: ${compiled.codes.join(", ")}`;
  let m: Record<string, any>;
  try {
    m = compiled.run();
  } catch (e) {
    return `the emitted code does not run: ${(e as Error).message}`;
  }
  const args: V[] = inputs.args.map((a) => (typeof a === "number" ? a : toTensor(a, false)));
  const seed: V | undefined =
    inputs.seed === undefined
      ? undefined
      : typeof inputs.seed === "number"
        ? inputs.seed
        : toTensor(inputs.seed, false);
  const wrt = Array.isArray(program.wrt) ? program.wrt : [program.wrt];
  // The printed program and the interpreter must compute the same thing, bit for bit.
  let value: V;
  try {
    value = m.f(...args) as V;
  } catch (e) {
    return `generator bug: the program throws: ${(e as Error).message}`;
  }
  const plain: Interp = {
    mode: "plain",
    float64: false,
    recorded: new Map(),
    seen: new Map(),
    kink: Infinity,
  };
  const mine = flatOf(interpret(program, args, plain));
  const got = flatOf(value);
  if (got.shape.join() !== mine.shape.join() || got.data.some((x, j) => !Object.is(x, mine.data[j])))
    return `generator bug: f gives ${fmt(got.data)}, the interpreter ${fmt(mine.data)}`;
  if (!sameTy(isTensor(value) ? [...value.shape] : "number", program.resultTy))
    return `generator bug: the result has shape ${got.shape}, not ${JSON.stringify(program.resultTy)}`;

  let out: unknown;
  try {
    out = seed === undefined ? m.d(...args) : m.d(...args, seed);
  } catch (e) {
    return `the gradient threw: ${(e as Error).stack}`;
  }
  let gradOut = out;
  if (program.marker === "valueAndGrad") {
    const { value: v, grad } = out as { value: V; grad: unknown };
    const fv = flatOf(v);
    const dtype = (x: V) => (typeof x === "number" ? "number" : x.dtype);
    // A fused loop (transformer/passes/fuse.ts) rounds to float32 once, not after every
    // operation as f's calls do, and sums in another order: equal within that rounding
    // (with a float32 input or constant, the rounding of float32 intermediates).
    const anyFloat32 = [...inputs.args, ...program.consts, inputs.seed].some(
      (a) => a !== undefined && typeof a !== "number" && a.dtype === "float32",
    );
    const scale = Math.max(1, ...Array.from(got.data, Math.abs));
    const tolerance = (anyFloat32 ? 1e-5 : 1e-12) * scale;
    if (
      fv.shape.join() !== got.shape.join() ||
      dtype(v) !== dtype(value) ||
      fv.data.some((x, j) => !(Math.abs(x - got.data[j]!) <= tolerance))
    )
      return `valueAndGrad's value ${fmt(fv.data)} (${dtype(v)}) is not f's ${fmt(got.data)} (${dtype(value)})`;
    gradOut = grad;
  }
  const grads = (Array.isArray(program.wrt) ? gradOut : [gradOut]) as V[];
  if (!Array.isArray(grads) || grads.length !== wrt.length)
    return `expected ${wrt.length} gradients, got ${String(gradOut)}`;
  for (let k = 0; k < wrt.length; k++) {
    const p = program.params[wrt[k]!]!;
    const g = grads[k]!;
    if (isNum(p.ty)) {
      if (typeof g !== "number")
        return `d/dp${wrt[k]}: a number parameter got a ${isTensor(g) ? `tensor of shape [${g.shape}]` : typeof g} gradient`;
    } else if (
      !isTensor(g) ||
      g.shape.join() !== p.ty.join() ||
      g.shape.length !== p.ty.length ||
      g.dtype !== p.dtype
    ) {
      return `d/dp${wrt[k]}: the gradient is ${isTensor(g) ? `a ${g.dtype} tensor of shape [${g.shape}]` : typeof g}, the parameter a ${p.dtype} tensor of shape [${p.ty}]`;
    }
  }
  stats.checked++;

  // Reference 1: finite differences in float64 around the recorded marker operands.
  const args64: V[] = inputs.args.map((a) => (typeof a === "number" ? a : toTensor(a, true)));
  const seed64 =
    seed === undefined
      ? undefined
      : flatOf(typeof seed === "number" ? seed : toTensor(inputs.seed as TensorValue, true)).data;
  const base: Interp = {
    mode: "record",
    float64: true,
    recorded: new Map(),
    seen: new Map(),
    kink: Infinity,
  };
  const out64 = flatOf(interpret(program, args64, base));
  if (!out64.data.every((x) => Number.isFinite(x) && Math.abs(x) < 1e6) || !((base.big ?? 0) < 1e6)) {
    stats.wild++;
    return undefined;
  }
  if (base.kink < 1e-3) {
    stats.kinks++;
    return undefined;
  }
  const total = (o: Flat): number => o.data.reduce((s, x, j) => s + x * (seed64 ? seed64[j % seed64.length]! : 1), 0);
  const l1 = out64.data.reduce((s, x) => s + Math.abs(x), 0);
  const at = (i: number, j: number, h: number): number => {
    const moved = args64.map((a, n) => {
      if (n !== i) return a;
      if (typeof a === "number") return a + h;
      const data = Float64Array.from(a.data);
      data[j]! += h;
      return tensor(data, { shape: a.shape });
    });
    return total(
      flatOf(
        interpret(program, moved, {
          mode: "frozen",
          float64: true,
          recorded: base.recorded,
          seen: new Map(),
          kink: Infinity,
        }),
      ),
    );
  };
  const h = 1e-6;
  const fd = wrt.map((i) => {
    const n = typeof args64[i] === "number" ? 1 : (args64[i] as Tensor).size;
    return Array.from({ length: n }, (_, j) => (at(i, j, h) - at(i, j, -h)) / (2 * h));
  });

  // Reference 2: TensorFlow.js in float32.
  let tfr: { value: Flat; grads: Flat[] };
  try {
    tfr = tfReference(program, inputs);
  } catch (e) {
    return `reference bug: TensorFlow.js threw: ${(e as Error).stack}`;
  }

  const ours = grads.map((g) => flatOf(g).data);
  const float32 = [...inputs.args, ...program.consts, inputs.seed].some(
    (a) => a !== undefined && typeof a !== "number" && a.dtype === "float32",
  );
  const describe = (what: string): string =>
    [
      what,
      ...wrt.map(
        (w, k) =>
          `d/dp${w}:\n  generated           ${fmt(ours[k]!)}\n  finite differences  ${fmt(fd[k]!)}\n  TensorFlow.js       ${fmt(tfr.grads[k]!.data)}`,
      ),
    ].join("\n");
  for (let k = 0; k < wrt.length; k++) {
    const scaleFd = Math.max(1, ...fd[k]!.map(Math.abs));
    const t = tfr.grads[k]!;
    // In float32 a long program's rounding can exceed 3e-3 of the gradient: TF.js's own float32
    // error (its distance from the differences) says how much, and TF.js still checks ours to 3e-3.
    const tfError = Math.max(0, ...t.data.map((x, j) => Math.abs(x - fd[k]![j]!)));
    const tolFd = (float32 ? Math.max(3e-3 * scaleFd, 2 * tfError) : 2e-5 * scaleFd) + 1e-9 * l1;
    if (t.data.length !== ours[k]!.length)
      return describe(`reference bug: TensorFlow.js's gradient has shape [${t.shape}]`);
    const scaleTf = Math.max(1, ...t.data.map(Math.abs), ...ours[k]!.map(Math.abs));
    for (let j = 0; j < ours[k]!.length; j++) {
      const g = ours[k]![j]!;
      if (!(Math.abs(g - fd[k]![j]!) <= tolFd))
        return describe(
          `d/dp${wrt[k]}[${j}]: generated ${g}, finite differences ${fd[k]![j]} (tolerance ${tolFd.toExponential(2)})`,
        );
      // TF.js computes in float32: where it disagrees with the float64 differences that the
      // generated gradient matches (checked just above), an ill-conditioned program (sin of a
      // large value, a long chain of pow) has amplified its rounding, and it is outvoted.
      if (!(Math.abs(t.data[j]! - fd[k]![j]!) <= 3e-3 * scaleTf)) {
        stats.tfOutliers++;
        continue;
      }
      if (!(Math.abs(g - t.data[j]!) <= 3e-3 * scaleTf))
        return describe(
          `d/dp${wrt[k]}[${j}]: generated ${g}, TensorFlow.js ${t.data[j]} (tolerance ${(3e-3 * scaleTf).toExponential(2)})`,
        );
    }
  }
  const tv = tfr.value.data;
  const scaleV = Math.max(1, ...out64.data.map(Math.abs));
  // TF.js computes in float32, which an ill-conditioned program (sin of a cube, ...) amplifies:
  // the same program run on the runtime in float32 says by how much.
  const args32: V[] = inputs.args.map((a) => (typeof a === "number" ? a : toTensor(a, false, true)));
  const out32 = flatOf(
    interpret(program, args32, {
      mode: "plain",
      float64: false,
      float32: true,
      recorded: new Map(),
      seen: new Map(),
      kink: Infinity,
    }),
  );
  const rounding = Math.max(0, ...out32.data.map((x, j) => Math.abs(x - out64.data[j]!)));
  const tolV = Math.max(3e-3 * scaleV, 4 * rounding);
  if (tv.length !== out64.data.length || tv.some((x, j) => !(Math.abs(x - out64.data[j]!) <= tolV)))
    return `reference bug: TensorFlow.js's value ${fmt(tv)} differs from ${fmt(out64.data)} (tolerance ${tolV.toExponential(2)}, float32 rounding ${rounding.toExponential(2)})`;
  return checkForward(source, program, args, ours, seed64, float32);
}

/**
 * Forward mode on the same program: along a direction v of each wrt parameter, jvp's tangent
 * (weighted by the vjp seed, or summed, as the gradient is) must equal Σ gradient · v, the
 * gradient just checked against differences and TF.js. Hooks, gradient reversal and custom
 * backwards change the gradient and not the tangent, so such programs are left out.
 */
function checkForward(
  source: string,
  program: ShapedProgram,
  args: V[],
  grads: Float64Array[] | number[][],
  seed64: ArrayLike<number> | undefined,
  float32: boolean,
): string | undefined {
  if (/gradHook\(|reverseGradient\(|\bcg\w+\(/.test(source.slice(source.indexOf("\n")))) return undefined;
  const wrt = Array.isArray(program.wrt) ? program.wrt : [program.wrt];
  const lines = source.split("\n").filter((l) => !l.startsWith("export const d ="));
  lines[0] = lines[0]!.replace("import { grad,", "import { grad, jvp,");
  wrt.forEach((w, k) => lines.push(`export const jf${k} = jvp(f, { wrt: ${w} });`));
  // A second derivative where differences of the gradient are a reference: float64 throughout,
  // one wrt parameter, no seed, no stopGradient (a stop inside grad(f) stops the outer derivative too).
  const secondOrder =
    !float32 &&
    !Array.isArray(program.wrt) &&
    program.marker !== "vjp" &&
    !/stopGradient\(/.test(lines.slice(1).join("\n"));
  if (secondOrder) {
    lines[0] = lines[0]!.replace("import { grad, jvp,", "import { grad, jvp, hvp,");
    lines.push(
      `export const g1 = grad(f, { wrt: ${program.wrt} });`,
      `export const hf = hvp(f, { wrt: ${program.wrt} });`,
    );
  }
  const compiled = compile(lines.join("\n"));
  if (compiled.codes.length > 0) return `forward mode refused a supported program: ${compiled.codes.join(", ")}`;
  let m: Record<string, any>;
  try {
    m = compiled.run();
  } catch (e) {
    return `the emitted forward-mode code does not run: ${(e as Error).message}`;
  }
  for (let k = 0; k < wrt.length; k++) {
    const x = args[wrt[k]!]!;
    const direction = (j: number): number => Math.sin(1.3 * j + 0.7);
    const v: V =
      typeof x === "number"
        ? direction(0)
        : tensor(
            x.dtype === "float32"
              ? Float32Array.from({ length: x.size }, (_, j) => direction(j))
              : Float64Array.from({ length: x.size }, (_, j) => direction(j)),
            { shape: x.shape },
          );
    let tangent: V;
    try {
      tangent = (m[`jf${k}`](...args.map((a, i) => (i === wrt[k] ? x : a)), v) as { tangent: V }).tangent;
    } catch (e) {
      return `jvp along p${wrt[k]} threw: ${(e as Error).stack}`;
    }
    const t = flatOf(tangent).data;
    const vs = typeof v === "number" ? [v] : Array.from(v.data);
    const g = grads[k]!;
    const expected = Array.from(g).reduce((sum, gj, j) => sum + gj * vs[j]!, 0);
    const actual = Array.from(t).reduce((sum, tj, j) => sum + tj * (seed64 ? seed64[j % seed64.length]! : 1), 0);
    const scale =
      Math.max(
        1,
        Array.from(g).reduce((sum, gj, j) => sum + Math.abs(gj * vs[j]!), 0),
      ) +
      Array.from(t).reduce((sum, tj) => sum + Math.abs(tj), 0) * 1e-3;
    const tolerance = (float32 ? 3e-3 : 1e-8) * scale;
    if (!(Math.abs(actual - expected) <= tolerance))
      return `jvp along p${wrt[k]}: the tangent gives ${actual}, the gradient · v ${expected} (tolerance ${tolerance.toExponential(2)})\ntangent ${fmt(t)}`;
    if (!secondOrder) continue;
    // hvp along v against central differences of the generated gradient along v.
    const moved = (h: number): V[] =>
      args.map((a, i) =>
        i !== wrt[k]
          ? a
          : typeof a === "number"
            ? a + h * (v as number)
            : tensor(
                Float64Array.from(a.data, (xi, j) => xi + h * vs[j]!),
                { shape: a.shape },
              ),
      );
    let hv: number[];
    let fd: number[];
    try {
      hv = Array.from(flatOf(m.hf(...args, v) as V).data);
      const [plus, minus] = [flatOf(m.g1(...moved(1e-5)) as V).data, flatOf(m.g1(...moved(-1e-5)) as V).data];
      fd = Array.from(plus, (a, j) => (a - minus[j]!) / 2e-5);
    } catch (e) {
      return `hvp along p${wrt[k]} threw: ${(e as Error).stack}`;
    }
    const hScale = Math.max(1, ...fd.map(Math.abs), ...hv.map(Math.abs));
    const bad = hv.findIndex((x, j) => !(Math.abs(x - fd[j]!) <= 1e-5 * hScale));
    if (hv.length !== fd.length || bad >= 0)
      return `hvp along p${wrt[k]}: ${fmt(hv)}, differences of the gradient ${fmt(fd)}`;
    stats.secondOrder++;
  }
  stats.forward++;
  return undefined;
}

/** The inputs written out for a failure report. */
export function describeInputs(inputs: ShapedInputs): string {
  const one = (a: number | TensorValue) =>
    typeof a === "number" ? String(a) : `tensor(${fmt(a.data)}, { shape: [${a.shape}], dtype: "${a.dtype}" })`;
  return [
    ...inputs.args.map((a, i) => `p${i} = ${one(a)}`),
    ...(inputs.seed === undefined ? [] : [`seed = ${one(inputs.seed)}`]),
  ].join("\n");
}
