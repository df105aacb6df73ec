// Reductions: sum, mean and logSumExp over any set of axes, accumulated in float64
// whatever the dtype, and the axis bookkeeping their adjoints share.
import { Tensor, type DType, type Shape, type TypedArray, formatShape, shapeSize } from "../tensor.js";
import { advance } from "./broadcast.js";
import { type Operand, tensorOf } from "./operands.js";

export type Axis = number | readonly number[];

/**
 * The axes as sorted, distinct, non-negative indices; undefined/null means every axis.
 * Throws naming the op, the axis and the shape.
 */
export function normalizeAxes(op: string, axis: Axis | null | undefined, shape: Shape): number[] {
  const r = shape.length;
  if (axis === undefined || axis === null) return Array.from({ length: r }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  if (!Array.isArray(list)) throw new Error(`${op}: axis must be a number or an array of numbers`);
  const seen = new Array<boolean>(r).fill(false);
  const shown = typeof axis === "number" ? String(axis) : `[${list.join(",")}]`;
  for (const a of list) {
    if (typeof a !== "number" || !Number.isInteger(a) || a < -r || a >= r) {
      throw new Error(`${op}: axis ${shown} is out of range for shape ${formatShape(shape)}`);
    }
    const k = a < 0 ? a + r : a;
    if (seen[k]) throw new Error(`${op}: axis ${shown} repeats axis ${k} for shape ${formatShape(shape)}`);
    seen[k] = true;
  }
  const out: number[] = [];
  for (let i = 0; i < r; i++) if (seen[i]) out.push(i);
  return out;
}

/** How many elements each output element of a reduction over `axis` of `x` combines. */
export function reductionSize(x: Operand, axis?: Axis | null): number {
  if (typeof x === "number") {
    normalizeAxes("reductionSize", axis, []);
    return 1;
  }
  let n = 1;
  for (const a of normalizeAxes("reductionSize", axis, x.shape)) n *= x.shape[a];
  return n;
}

/** The shape of a reduction's result. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!axes.includes(d)) out.push(shape[d]);
    else if (keepDims) out.push(1);
  }
  return out;
}

// Plain constants rather than a const enum, which per-file transpilers (vitest) handle differently.
const SUM = 0;
const MAX = 1;
const SUM_EXP = 2;
type Mode = typeof SUM | typeof MAX | typeof SUM_EXP;

/**
 * Reduces `x` over a set of axes into a float64 accumulator (one slot per output element).
 * SUM_EXP adds exp(x - shift[o]). Dims are merged into runs of reduced/kept axes so
 * the inner loop is as long as possible.
 *
 * Each mode has its two loops (inner run reduced, or kept) of its own, chosen before any
 * loop starts: a branch inside a hot loop that this call never takes has no type feedback,
 * and V8 would deoptimise the loop's optimised code when a later call took it (its on-stack
 * replacement code, again on every call; test/runtime/deopt.test.ts).
 */
function reduceInto(
  mode: Mode,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  acc: Float64Array,
  shift?: Float64Array,
): void {
  const n = x.length;
  if (n === 0) return;
  const dims: number[] = [];
  const red: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const r = axes.includes(d);
    if (dims.length > 0 && red[red.length - 1] === r) dims[dims.length - 1] *= shape[d];
    else {
      dims.push(shape[d]);
      red.push(r);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    red.push(true);
  }
  // Output strides: reduced dims contribute nothing.
  const nd = dims.length;
  const ostr = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    ostr[d] = red[d] ? 0 : s;
    if (!red[d]) s *= dims[d];
  }
  const inner = dims[nd - 1];
  const nOuter = nd - 1;
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0];
  const strides = [ostr];
  // Reduced inner runs give one output element each; kept ones add into a run of outputs.
  if (red[nd - 1] && mode === SUM) {
    for (let i = 0; i < n; i += inner) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += x[i + j];
      acc[pos[0]] += s;
      advance(idx, dims, strides, pos, nOuter);
    }
  } else if (red[nd - 1] && mode === MAX) {
    for (let i = 0; i < n; i += inner) {
      const o = pos[0];
      let m = acc[o];
      for (let j = 0; j < inner; j++) if (x[i + j] > m) m = x[i + j];
      acc[o] = m;
      advance(idx, dims, strides, pos, nOuter);
    }
  } else if (red[nd - 1]) {
    for (let i = 0; i < n; i += inner) {
      const o = pos[0];
      const sh = shift![o];
      let s = 0;
      for (let j = 0; j < inner; j++) s += Math.exp(x[i + j] - sh);
      acc[o] += s;
      advance(idx, dims, strides, pos, nOuter);
    }
  } else if (mode === SUM) {
    for (let i = 0; i < n; i += inner) {
      const o = pos[0];
      for (let j = 0; j < inner; j++) acc[o + j] += x[i + j];
      advance(idx, dims, strides, pos, nOuter);
    }
  } else if (mode === MAX) {
    for (let i = 0; i < n; i += inner) {
      const o = pos[0];
      for (let j = 0; j < inner; j++) if (x[i + j] > acc[o + j]) acc[o + j] = x[i + j];
      advance(idx, dims, strides, pos, nOuter);
    }
  } else {
    for (let i = 0; i < n; i += inner) {
      const o = pos[0];
      for (let j = 0; j < inner; j++) acc[o + j] += Math.exp(x[i + j] - shift![o + j]);
      advance(idx, dims, strides, pos, nOuter);
    }
  }
}

/**
 * Sum of every element, four accumulators to break the add dependency chain. The four-wide
 * loop stops one step early, so the loop after it runs one to four times for every length:
 * a remainder loop that multiples of four never ran would have no type feedback, and V8
 * would deoptimise the optimised sum the first time a length reached it (on every call, for
 * its on-stack replacement code: three times slower than a plain loop).
 */
function sumAll(x: TypedArray): number {
  const n = x.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 < n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return s0 + s1 + (s2 + s3);
}

function finish(acc: Float64Array, dtype: DType, shape: Shape): Tensor {
  if (dtype === "float64") return new Tensor(acc, shape);
  const out = new Float32Array(acc.length);
  out.set(acc);
  return new Tensor(out, shape);
}

type ReduceKind = "sum" | "mean" | "logSumExp";

function reduce(kind: ReduceKind, x: unknown, axis: Axis | null | undefined, keepDims: boolean): Operand {
  const isNumber = typeof x === "number";
  const t = tensorOf(kind, x, 0);
  const axes = normalizeAxes(kind, axis, t.shape);
  const shape = reducedShape(t.shape, axes, keepDims);
  const m = shapeSize(shape);
  let count = 1;
  for (const a of axes) count *= t.shape[a];
  const acc = new Float64Array(m);
  const all = m === 1;
  if (kind === "logSumExp") {
    // Shift by the max so exp never overflows; an infinite max (all -Infinity, or a
    // +Infinity present) shifts by 0, which gives -Infinity / +Infinity instead of NaN.
    const shift = new Float64Array(m).fill(-Infinity);
    reduceInto(MAX, t.data, t.shape, axes, shift);
    for (let o = 0; o < m; o++) if (!Number.isFinite(shift[o])) shift[o] = 0;
    reduceInto(SUM_EXP, t.data, t.shape, axes, acc, shift);
    for (let o = 0; o < m; o++) acc[o] = Math.log(acc[o]) + shift[o];
  } else {
    if (all) acc[0] = sumAll(t.data);
    else reduceInto(SUM, t.data, t.shape, axes, acc);
    if (kind === "mean") for (let o = 0; o < m; o++) acc[o] /= count;
  }
  if (isNumber) return acc[0];
  return finish(acc, t.dtype, shape);
}

/**
 * Sum over `axis` (a number or array; negative counts from the end; default every axis).
 * @adjointPrimitive sum
 */
export function sum(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function sum(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function sum(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function sum(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("sum", x, axis, keepDims);
}

/**
 * Mean over `axis` (NaN for an empty reduction, as 0/0).
 * @adjointPrimitive mean
 */
export function mean(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function mean(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function mean(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function mean(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("mean", x, axis, keepDims);
}

/**
 * log(sum(exp(x))) over `axis`, computed stably; an all -Infinity slice gives -Infinity.
 * @adjointPrimitive logSumExp
 */
export function logSumExp(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function logSumExp(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function logSumExp(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function logSumExp(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("logSumExp", x, axis, keepDims);
}
