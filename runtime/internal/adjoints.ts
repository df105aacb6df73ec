// Helpers that generated gradient code calls, so that it never reasons about broadcasting
// or reductions itself.
//
// THE INVARIANT of adjoints inside generated code: the adjoint `g` of a value `v` is a
// number or a tensor that broadcasts to v's shape, and it stands for the whole adjoint
// broadcastTo(g, shape(v)). The seed of grad() is the number 1 and the adjoint of sum(x)
// is the sum's own adjoint, so g is often smaller than v. Its size therefore does not say
// how many terms it stands for: every reduction of g must be taken over v's shape
// (unbroadcast is given the operation's operands for that), counting each copy
// broadcasting would make. A helper that needs g whole materialises it with
// fitGradient(g, v). Each parameter's gradient is fitted to the parameter's exact shape
// and dtype once, at the end.

import { CUSTOM_BACKWARD, CUSTOM_TANGENT } from "../markers.js";
import {
  Tensor,
  type Shape,
  allocData,
  broadcastShapes,
  cast,
  formatShape,
  full,
  isTensor,
  sameShape,
  shapeSize,
} from "../tensor.js";
import { describe } from "../tree.js";
import {
  type Operand,
  add,
  equal,
  exp,
  greater,
  log,
  pow,
  sub,
  where,
  mul,
  reshape,
  sum,
  transpose,
} from "../ops/index.js";
import { broadcastTo } from "../ops/broadcast.js";
import { operandError } from "../ops/operands.js";
import { matmulTransposed, productShape } from "../ops/linalg.js";
import { type Axis, normalizeAxes, reducedShape } from "../ops/reduce.js";

/**
 * The adjoint of operand `like` of a broadcasting operation whose other operands are
 * `others`, from the adjoint `g` of its result: g stands for a tensor of the result's shape
 * (the broadcast of all operands), so every axis broadcasting added to `like` is summed
 * over that shape. Where g itself is constant along such an axis (it has size 1 there, or
 * lacks it), the sum is g times the axis's length. The result broadcasts to `like` (it
 * may stay smaller, like g); a number `like` gets a plain number. Never allocates when
 * nothing was broadcast.
 */
export function unbroadcast(g: Operand, like: Operand, ...others: Operand[]): Operand {
  // Generated code calls this for where's branches (three operands) and the binary elementwise
  // operations; it does not say which, so an error names the candidates.
  return unbroadcastFor(others.length === 2 ? "where" : ELEMENTWISE, g, like, others);
}

/** Who unbroadcast speaks for in its errors when generated code calls it for two operands. */
const ELEMENTWISE = "an elementwise operation (add, sub, mul, div, pow, maximum or minimum)";

/**
 * What a gradient of the wrong shape most likely came from: the adjoints of the primitives
 * always fit, so a misfit entered from the user's side.
 */
const MISFIT_HINT = "(a vjp seed, a gradHook result or a customGradient backward of the wrong shape?)";

/** Who fitGradient speaks for when generated code calls it (for a parameter's gradient, a hook's or a customGradient's). */
const GENERATED = "the generated gradient";

/** unbroadcast for operation `op`, which its errors name. */
function unbroadcastFor(op: string, g: Operand, like: Operand, others: readonly Operand[]): Operand {
  let result = shapeOf(op, like);
  for (const o of others) {
    const s = shapeOf(op, o);
    try {
      result = broadcastShapes(op, result, s);
    } catch (e) {
      // where names its three shapes, as where itself does (the condition's first).
      if (others.length !== 2) throw e;
      const [cond, other] = others.map((x) => formatShape(shapeOf(op, x)));
      throw new Error(`${op}: shapes ${cond}, ${formatShape(shapeOf(op, like))} and ${other} cannot be broadcast`);
    }
  }
  let full: Shape;
  try {
    full = broadcastShapes(op, result, shapeOf(op, g));
  } catch {
    throw new Error(
      `${op}: a gradient of shape ${formatShape(shapeOf(op, g))} does not fit the result's shape ${formatShape(result)} ${MISFIT_HINT}`,
    );
  }
  if (typeof like === "number") {
    // Every element of g appears size(full) / size(g) times in the whole adjoint.
    if (typeof g === "number") return g * shapeSize(full);
    return g.size === 0 ? 0 : (sum(g).data[0]! * shapeSize(full)) / g.size;
  }
  const ls = like.shape;
  if (typeof g === "number") {
    const copies = shapeSize(full) / Math.max(shapeSize(ls), 1);
    return copies === 1 ? g : g * copies;
  }
  const gs = g.shape;
  const axes: number[] = [];
  let copies = 1;
  for (let k = 0; k < full.length; k++) {
    const l = k - (full.length - ls.length);
    if (l >= 0 && ls[l] === full[k]) continue;
    const gk = k - (full.length - gs.length);
    if (gk >= 0 && gs[gk] !== 1) axes.push(gk);
    else copies *= full[k]!;
  }
  let r: Tensor = g;
  if (axes.length > 0) r = sum(r, axes, true);
  if (gs.length > ls.length) r = reshape(r, r.shape.slice(gs.length - ls.length));
  return copies === 1 ? r : mul(r, copies);
}

const SCALAR: Shape = [];

/** The shape of an operand of `op`'s gradient; anything but a number or a Tensor (a missing argument) fails naming `op`. */
function shapeOf(op: string, x: unknown): Shape {
  if (typeof x === "number") return SCALAR;
  if (isTensor(x)) return x.shape;
  throw operandError(op, x, "an argument");
}

/**
 * A parameter's gradient in the parameter's exact shape and dtype (a plain number for a
 * number): `g` is summed down where it is larger (as unbroadcast), broadcast up where it
 * is smaller, and cast. Returns `g` itself when it already fits.
 */
export function fitGradient(g: Operand, like: number, op?: string): number;
export function fitGradient(g: Operand, like: Tensor, op?: string): Tensor;
export function fitGradient(g: Operand, like: Operand, op?: string): Operand;
export function fitGradient(g: Operand, like: Operand, op?: string): Operand {
  // Generated code calls this without `op` (a parameter's gradient, a hook's, a customGradient's);
  // the helpers here name the operation whose result `like` is.
  if (typeof g !== "number" && !isTensor(g)) throw operandError(op ?? GENERATED, g, "an argument");
  if (typeof like !== "number" && !isTensor(like)) throw operandError(op ?? GENERATED, like, "an argument");
  if (typeof like === "number") {
    if (typeof g === "number") return g;
    return sum(g).data[0];
  }
  if (typeof g === "number") return full(like.shape, g, like.dtype);
  if (sameShape(g.shape, like.shape)) return cast(g, like.dtype);
  const gs = g.shape;
  const ls = like.shape;
  const lead = gs.length - ls.length;
  const axes: number[] = [];
  for (let i = 0; i < gs.length; i++) {
    const l = i - lead;
    if (l < 0 || (ls[l] === 1 && gs[i] !== 1)) axes.push(i);
  }
  let r: Tensor = g;
  if (axes.length > 0) {
    r = sum(g, axes, true);
    if (lead > 0) r = reshape(r, r.shape.slice(lead));
  }
  if (!sameShape(r.shape, ls)) {
    try {
      r = broadcastTo(r, ls);
    } catch {
      throw new Error(
        `${op ? `${op}: a` : "A"} gradient of shape ${formatShape(gs)} does not fit ${op ? "the result's" : "its value's"} ` +
          `shape ${formatShape(ls)} ${MISFIT_HINT}`,
      );
    }
  }
  return cast(r, like.dtype);
}

/**
 * The gradient of a reduction over `axis` (with `keepDims` as in the forward call),
 * spread back over the reduced input `like`: the reduced axes are re-inserted when
 * keepDims was false, then `g` is broadcast to like's shape and cast to its dtype. For a
 * mean, divide the result by reductionSize(like, axis).
 */
export function expandReduced(g: Operand, like: number, axis?: Axis | null, keepDims?: boolean, op?: string): number;
export function expandReduced(g: Operand, like: Tensor, axis?: Axis | null, keepDims?: boolean, op?: string): Tensor;
export function expandReduced(g: Operand, like: Operand, axis?: Axis | null, keepDims?: boolean, op?: string): Operand;
export function expandReduced(
  g: Operand,
  like: Operand,
  axis?: Axis | null,
  keepDims = false,
  op = "expandReduced",
): Operand {
  if (typeof g !== "number" && !isTensor(g)) throw operandError(op, g, "an argument");
  if (typeof like === "number") {
    normalizeAxes(op, axis, []);
    return typeof g === "number" ? g : g.item();
  }
  if (typeof g === "number") return full(like.shape, g, like.dtype);
  if (!isTensor(like)) throw operandError(op, like, "an argument");
  const axes = normalizeAxes(op, axis, like.shape);
  const kept = reducedShape(like.shape, axes, true);
  const expected = keepDims ? kept : reducedShape(like.shape, axes, false);
  if (!sameShape(g.shape, expected)) {
    throw new Error(
      `${op}: a gradient of shape ${formatShape(g.shape)} does not match the reduction of ${formatShape(like.shape)} over axis ${
        axis === undefined || axis === null ? "(all)" : typeof axis === "number" ? axis : `[${axis.join(",")}]`
      } (expected ${formatShape(expected)})`,
    );
  }
  const r = keepDims ? g : reshape(g, kept);
  return cast(sameShape(r.shape, like.shape) ? r : broadcastTo(r, like.shape), like.dtype);
}

/**
 * The operands of matmul as 2-D or 3-D tensors sharing their data, as NumPy reads them (a
 * 1-D `a` is the row (1,k), a 1-D `b` the column (k,1)), and the whole gradient `g` (which,
 * as every adjoint, may be smaller and broadcast to the result) with the dimensions of size 1
 * that the result lost; and whether each operand was shared by every product of a batch (it
 * has none of its own, or a batch of 1), so that its gradient sums over the batch.
 */
function matrices(g: Operand, a: Tensor, b: Tensor) {
  const { shape, batch, m, k, n } = productShape("matmul", a.shape, b.shape);
  const gt = wholeGradient(g, shape, a, b);
  const lead = batch === undefined ? [] : [batch];
  const shared = (x: Tensor): boolean => batch !== undefined && (x.shape.length < 3 || x.shape[0] !== batch);
  return {
    a2: a.shape.length === 1 ? reshape(a, [1, k]) : a,
    b2: b.shape.length === 1 ? reshape(b, [k, 1]) : b,
    g2: reshape(gt, [...lead, m, n]),
    sharedA: shared(a),
    sharedB: shared(b),
  };
}

/**
 * The gradient of sum(g * matmul(a, b)) with respect to `a`: g·bᵀ for each product of the
 * batch, summed over it where `a` was shared, for NumPy's cases (1-D operands included; a 0-d
 * or number operand, as in dot, is treated as multiplication). Has a's shape and dtype.
 */
export function matmulGradA(g: Operand, a: Tensor, b: Operand): Tensor;
export function matmulGradA(g: Operand, a: number, b: Operand): number;
export function matmulGradA(g: Operand, a: Operand, b: Operand): Operand;
export function matmulGradA(g: Operand, a: Operand, b: Operand): Operand {
  if (scalarProduct(a, b)) return unbroadcastFor("dot", mul(g, b), a, [b]);
  const at = a as Tensor;
  const { g2, b2, sharedA } = matrices(g, at, b as Tensor);
  return reshape(matmulTransposed(g2, false, b2, true, at.dtype, sharedA), at.shape);
}

/**
 * The gradient of sum(g * matmul(a, b)) with respect to `b`: aᵀ·g for each product of the
 * batch, summed over it where `b` was shared, for NumPy's cases (1-D operands included; a 0-d
 * or number operand, as in dot, is treated as multiplication). Has b's shape and dtype.
 */
export function matmulGradB(g: Operand, a: Operand, b: Tensor): Tensor;
export function matmulGradB(g: Operand, a: Operand, b: number): number;
export function matmulGradB(g: Operand, a: Operand, b: Operand): Operand;
export function matmulGradB(g: Operand, a: Operand, b: Operand): Operand {
  if (scalarProduct(a, b)) return unbroadcastFor("dot", mul(g, a), b, [a]);
  const bt = b as Tensor;
  const { g2, a2, sharedB } = matrices(g, a as Tensor, bt);
  return reshape(matmulTransposed(a2, true, g2, false, bt.dtype, sharedB), bt.shape);
}

/** `g` broadcast to matmul's result shape; a `g` that does not broadcast to it fails naming matmul and the shapes. */
function wholeGradient(g: Operand, shape: Shape, a: Tensor, b: Tensor): Tensor {
  if (typeof g === "number") return full(shape, g);
  if (!isTensor(g)) throw operandError("matmul", g, "its gradient");
  if (sameShape(g.shape, shape)) return g;
  try {
    if (sameShape(broadcastShapes("matmul", g.shape, shape), shape)) return broadcastTo(g, shape);
  } catch {
    // reported below
  }
  throw new Error(
    `matmul: a gradient of shape ${formatShape(g.shape)} does not fit the result's shape ${formatShape(shape)} ` +
      `(of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}) ${MISFIT_HINT}`,
  );
}

/** Whether a product is a multiplication (dot of a number or a 0-d tensor); an operand that is neither a number nor a Tensor fails naming matmul. */
function scalarProduct(a: Operand, b: Operand): boolean {
  return shapeOf("matmul", a).length === 0 || shapeOf("matmul", b).length === 0;
}

/** The permutation q with q[perm[i]] = i, so transpose(transpose(x, perm), q) is x. */
export function inversePermutation(perm: readonly number[]): number[] {
  const r = perm.length;
  const inv = new Array<number>(r).fill(-1);
  for (let i = 0; i < r; i++) {
    const p = perm[i];
    const k = typeof p === "number" && Number.isInteger(p) && p < 0 ? p + r : p;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k >= r || inv[k] !== -1) {
      throw new Error(`inversePermutation: [${perm.join(",")}] is not a permutation of ${r} axes`);
    }
    inv[k] = i;
  }
  return inv;
}

/**
 * The sum of two gradient contributions; a null/undefined side means "no gradient yet"
 * and returns the other side unchanged (no copy). Never writes into either argument.
 */
export function accumulate<T extends Operand>(acc: T | null | undefined, g: T): T;
export function accumulate<T extends Operand>(acc: T, g: T | null | undefined): T;
export function accumulate<T extends Operand>(acc: T | null | undefined, g: T | null | undefined): T | undefined;
export function accumulate(acc: Operand | null | undefined, g: Operand | null | undefined): Operand | undefined {
  if (acc === null || acc === undefined) return g ?? undefined;
  if (g === null || g === undefined) return acc;
  return add(acc, g);
}

/** Who sumGrad speaks for in its errors: generated code calls it for these three. */
const REDUCTION = "sum, mean or logSumExp";

/**
 * The adjoint of sum(x, axis, keepDims) spread back over x. Summing everything leaves `g`
 * as it is (it broadcasts over x); a partial sum re-inserts the reduced axes.
 */
export function sumGrad(g: Operand, x: Operand, y: Operand, axis?: Axis | null, keepDims = false): Operand {
  if (axis === undefined || axis === null || typeof g === "number") return g;
  return expandReduced(fitGradient(g, y, REDUCTION), x, axis, keepDims, REDUCTION);
}

/** The adjoint of reshape(x, shape): the result's adjoint in x's shape. */
export function reshapeGrad(g: Operand, x: Operand, y: Operand): Operand {
  const full = fitGradient(g, y, "reshape");
  return typeof x === "number" ? fitGradient(full, x, "reshape") : reshape(full, x.shape);
}

/** The adjoint of transpose(x, perm): the result's adjoint transposed back. */
export function transposeGrad(g: Operand, y: Operand, perm?: readonly number[]): Operand {
  const full = fitGradient(g, y, "transpose");
  return perm ? transpose(full, inversePermutation(perm)) : transpose(full);
}

/** The adjoint of a ** b for the base: g·b·a^(b−1), and 0 where b = 0 (as PyTorch). */
export function powGradBase(g: Operand, a: Operand, b: Operand): Operand {
  return mul(g, where(equal(b, 0), 0, mul(b, pow(a, sub(b, 1)))));
}

/** The adjoint of y = a ** b for the exponent: g·y·ln a, and 0 where a = 0 and b ≥ 0 (as PyTorch). */
export function powGradExponent(g: Operand, a: Operand, b: Operand, y: Operand): Operand {
  const zeroBase = mul(equal(a, 0), add(greater(b, 0), equal(b, 0)));
  return mul(g, where(zeroBase, 0, mul(y, log(a))));
}

/**
 * The gradients a customGradient function's backward gives for `args`, one entry per
 * argument, with `null` (no gradient) as 0. A one-argument forward's backward returns the
 * gradient itself; a longer one returns an array with an entry per argument.
 */
export function customGradients(fn: unknown, g: Operand, ...args: unknown[]): Operand[] {
  const backward = (fn as { [CUSTOM_BACKWARD]?: (...a: unknown[]) => unknown })[CUSTOM_BACKWARD];
  if (typeof backward !== "function") throw new Error("customGradients: the function was not made by customGradient()");
  const result = backward(g, ...args);
  const entries = args.length === 1 && !Array.isArray(result) ? [result] : result;
  if (!Array.isArray(entries) || entries.length !== args.length) {
    throw new Error(
      `customGradient: backward must return an array with one gradient per argument (${args.length}), or null for none`,
    );
  }
  // A user's gradient may be whole where the argument was broadcast (or a plain number):
  // fit it to the argument, so that it broadcasts to it as every adjoint must.
  return entries.map((e, i) => {
    if (e === null || e === undefined) return 0;
    const arg = args[i];
    if (typeof arg !== "number" && !isTensor(arg)) return e as Operand;
    if (typeof e !== "number" && !isTensor(e)) {
      throw new Error(
        `customGradient: the backward's gradient for argument ${i + 1} is ${describe(e)}; it must be a number or a Tensor (or null for none)`,
      );
    }
    try {
      return fitGradient(e, arg);
    } catch {
      throw new Error(
        `customGradient: the backward's gradient for argument ${i + 1} has shape ${formatShape((e as Tensor).shape)}, ` +
          `which does not fit the argument's shape ${formatShape((arg as Tensor).shape)}`,
      );
    }
  });
}

/** The tangent of a customGradient function's result: its tangent rule, given the arguments' tangents. */
export function customTangent(fn: unknown, tangents: readonly unknown[], ...args: unknown[]): Operand {
  const tangent = (fn as { [CUSTOM_TANGENT]?: (...a: unknown[]) => Operand })[CUSTOM_TANGENT];
  if (typeof tangent !== "function")
    throw new Error("customTangent: the function was made by customGradient() without a tangent rule");
  return tangent(tangents, ...args);
}

/** The adjoint of y = logSoftmax(x, axis): G − softmax(x)·sum(G) along the axis, G the whole adjoint. */
export function logSoftmaxGrad(g: Operand, y: Operand, axis = -1): Operand {
  const full = fitGradient(g, y, "logSoftmax");
  return sub(full, mul(exp(y), sum(full, axis, true)));
}

/** The adjoint of y = gather(x, indices): each row of y's adjoint added back into the row it came from. */
export function gatherGrad(g: Operand, x: Tensor, y: Tensor, indices: readonly number[]): Tensor {
  const full = fitGradient(g, y, "gather");
  const rowSize = x.shape.length === 0 ? 1 : x.size / x.shape[0]!;
  const out = allocData(x.dtype, x.size);
  indices.forEach((index, k) => {
    for (let j = 0; j < rowSize; j++) out[index * rowSize + j]! += full.data[k * rowSize + j]!;
  });
  return new Tensor(out, x.shape);
}
