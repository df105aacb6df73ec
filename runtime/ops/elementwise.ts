// The drivers of the elementwise operations: the return rule (numbers in, number out), dtype
// promotion and broadcasting, around the per-operator row loops of kernels.generated.ts.
//
// Speed: each kernel has its own monomorphic loops for the three common cases (same shape,
// tensor op scalar, scalar op tensor; a size-1 tensor counts as a scalar). General
// broadcasting walks the output in contiguous rows, with the operands' strides precomputed
// and adjacent dimensions merged, and calls the same row loops once per row, so no
// per-element allocation or function call happens anywhere.
import {
  Tensor,
  type DType,
  type Shape,
  type TypedArray,
  allocData,
  broadcastShapes,
  formatShape,
  resultDType,
  sameShape,
  shapeSize,
} from "../tensor.js";
import { advance, broadcastTo, planBroadcast } from "./broadcast.js";
import { type Operand, asTensor, tensorOf } from "./operands.js";

export type RowVV = (
  o: TypedArray,
  oi: number,
  x: TypedArray,
  xi: number,
  y: TypedArray,
  yi: number,
  n: number,
) => void;
export type RowVS = (o: TypedArray, oi: number, x: TypedArray, xi: number, s: number, n: number) => void;
export type RowSV = (o: TypedArray, oi: number, s: number, y: TypedArray, yi: number, n: number) => void;

/** One binary operator: on numbers (`s`), and on rows of vector·vector, vector·scalar, scalar·vector. */
export interface BinaryKernel {
  readonly name: string;
  readonly s: (a: number, b: number) => number;
  readonly vv: RowVV;
  readonly vs: RowVS;
  readonly sv: RowSV;
}

/** One unary operator: on a number (`s`) and on the first `n` elements of an array. */
export interface UnaryKernel {
  readonly name: string;
  readonly s: (a: number) => number;
  readonly v: (o: TypedArray, x: TypedArray, n: number) => void;
}

export function binary(k: BinaryKernel, a: unknown, b: unknown): Operand {
  if (typeof a === "number") {
    if (typeof b === "number") return k.s(a, b);
    const bt = asTensor(k.name, b, 1);
    const out = allocData(bt.dtype, bt.size);
    k.sv(out, 0, a, bt.data, 0, bt.size);
    return new Tensor(out, bt.shape);
  }
  const at = asTensor(k.name, a, 0);
  if (typeof b === "number") {
    const out = allocData(at.dtype, at.size);
    k.vs(out, 0, at.data, 0, b, at.size);
    return new Tensor(out, at.shape);
  }
  const bt = asTensor(k.name, b, 1);
  const dtype: DType = at.dtype === "float64" || bt.dtype === "float64" ? "float64" : "float32";
  if (sameShape(at.shape, bt.shape)) {
    const out = allocData(dtype, at.size);
    k.vv(out, 0, at.data, 0, bt.data, 0, at.size);
    return new Tensor(out, at.shape);
  }
  const shape = broadcastShapes(k.name, at.shape, bt.shape);
  const n = shapeSize(shape);
  const out = allocData(dtype, n);
  if (n === 0) return new Tensor(out, shape);
  // Same element order as the output (only size-1 dims differ), or one side is a scalar.
  if (at.size === n && bt.size === n) k.vv(out, 0, at.data, 0, bt.data, 0, n);
  else if (at.size === n && bt.size === 1) k.vs(out, 0, at.data, 0, bt.data[0], n);
  else if (at.size === 1 && bt.size === n) k.sv(out, 0, at.data[0], bt.data, 0, n);
  else broadcastRows(k, out, n, shape, at, bt);
  return new Tensor(out, shape);
}

function broadcastRows(k: BinaryKernel, out: TypedArray, n: number, shape: Shape, at: Tensor, bt: Tensor): void {
  const { dims, strides } = planBroadcast(shape, [at.shape, bt.shape]);
  const nOuter = dims.length - 1;
  const inner = dims[nOuter];
  const sa = strides[0][nOuter];
  const sb = strides[1][nOuter];
  const ad = at.data;
  const bd = bt.data;
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0, 0];
  // The innermost merged dim is contiguous (stride 1) or broadcast (stride 0) for each operand.
  for (let o = 0; o < n; o += inner) {
    const ia = pos[0];
    const ib = pos[1];
    if (sa === 1 && sb === 1) k.vv(out, o, ad, ia, bd, ib, inner);
    else if (sa === 1) k.vs(out, o, ad, ia, bd[ib], inner);
    else if (sb === 1) k.sv(out, o, ad[ia], bd, ib, inner);
    else out.fill(k.s(ad[ia], bd[ib]), o, o + inner);
    advance(idx, dims, strides, pos, nOuter);
  }
}

export function unaryTensor(k: UnaryKernel, t: Tensor): Tensor {
  const out = allocData(t.dtype, t.size);
  k.v(out, t.data, t.size);
  return new Tensor(out, t.shape);
}

export function unary(k: UnaryKernel, x: unknown): Operand {
  if (typeof x === "number") return k.s(x);
  return unaryTensor(k, asTensor(k.name, x, 0));
}

/**
 * `a` where `cond` is nonzero (NaN counts as nonzero), else `b`; all three broadcast
 * together. The dtype is that of a and b promoted; cond's dtype does not matter.
 * @adjointPrimitive where
 */
export function where(cond: number, a: number, b: number): number;
export function where(cond: Tensor, a: Operand, b: Operand): Tensor;
export function where(cond: Operand, a: Tensor, b: Operand): Tensor;
export function where(cond: Operand, a: Operand, b: Tensor): Tensor;
export function where(cond: Operand, a: Operand, b: Operand): Operand;
export function where(cond: Operand, a: Operand, b: Operand): Operand {
  if (typeof cond === "number" && typeof a === "number" && typeof b === "number") {
    return cond !== 0 ? a : b;
  }
  const ct = tensorOf("where", cond, 0);
  const at = tensorOf("where", a, 1);
  const bt = tensorOf("where", b, 2);
  // Numbers are weak: with two numbers the result takes cond's dtype.
  const dtype = typeof a === "number" && typeof b === "number" ? ct.dtype : resultDType(a, b);
  let shape: number[];
  try {
    shape = broadcastShapes("where", broadcastShapes("where", ct.shape, at.shape), bt.shape);
  } catch {
    throw new Error(
      `where: shapes ${formatShape(ct.shape)}, ${formatShape(at.shape)} and ${formatShape(bt.shape)} cannot be broadcast`,
    );
  }
  const n = shapeSize(shape);
  const out = allocData(dtype, n);
  // Operands that are neither full-size nor scalars are expanded once; then each is read
  // with stride 1 (full) or 0 (scalar).
  const flat = (t: Tensor): TypedArray => (t.size === n || t.size === 1 ? t.data : broadcastTo(t, shape).data);
  const c = flat(ct);
  const x = flat(at);
  const y = flat(bt);
  const sc = c.length === n ? 1 : 0;
  const sx = x.length === n ? 1 : 0;
  const sy = y.length === n ? 1 : 0;
  for (let i = 0; i < n; i++) out[i] = c[i * sc] !== 0 ? x[i * sx] : y[i * sy];
  return new Tensor(out, shape);
}
