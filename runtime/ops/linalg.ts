// Linear algebra: matmul of 1-D, 2-D and 3-D tensors (a leading batch dimension) and dot of
// 1-D and 2-D ones, summed in float64 (gemm.ts), and the products their adjoints need: g·bᵀ
// and aᵀ·g, read through strides without a transpose, summed over the batch for an operand
// that was broadcast over it.
import { Tensor, type DType, type Shape, type TypedArray, allocData, formatShape, isTensor } from "../tensor.js";
import { type Operand, asTensor, describe } from "./operands.js";
import { mul } from "./elementwise-ops.generated.js";
import { gemm, view } from "./gemm.js";

function matmulOperand(op: string, x: unknown, index: number, a: unknown, b: unknown, maxRank: 2 | 3): Tensor {
  const show = (v: unknown): string =>
    isTensor(v) ? formatShape(v.shape) : typeof v === "number" ? "a number" : describe(v);
  if (typeof x === "number" || (isTensor(x) && (x.shape.length < 1 || x.shape.length > maxRank))) {
    const got = typeof x === "number" ? "a number" : `${(x as Tensor).shape.length}-D`;
    const ranks = maxRank === 3 ? "1-D, 2-D or 3-D" : "1-D or 2-D";
    // dot keeps NumPy's meaning, which differs from matmul's on 3-D operands.
    const hint =
      maxRank === 2 && isTensor(x) && x.shape.length === 3 ? " (matmul takes a leading batch dimension)" : "";
    throw new Error(
      `${op}: shapes ${show(a)} and ${show(b)}: argument ${index + 1} must be ${ranks}, got ${got}${hint}`,
    );
  }
  return asTensor(op, x, index);
}

/** The batch dimension of a 3-D operand, none for a matrix or vector. */
const batchOf = (shape: Shape): number | undefined => (shape.length === 3 ? shape[0] : undefined);

/**
 * The batch of a product: the operands' batches broadcast as NumPy does (a missing one or
 * one of size 1 takes the other's), undefined when neither has one.
 */
function productBatch(op: string, as: Shape, bs: Shape, marks = ["", ""]): number | undefined {
  const ba = batchOf(as);
  const bb = batchOf(bs);
  if (ba === undefined || bb === 1) return ba ?? bb;
  if (bb === undefined || ba === 1 || ba === bb) return bb ?? ba;
  throw new Error(
    `${op}: shapes ${formatShape(as)}${marks[0]} and ${formatShape(bs)}${marks[1]}: batch sizes ${ba} and ${bb} cannot be broadcast`,
  );
}

/** The dimensions of matmul(a, b): NumPy reads a 1-D `a` as the row (1, k) and a 1-D `b` as the column (k, 1). */
export interface ProductShape {
  /** The result's shape: the batch if any, m unless a is 1-D, n unless b is 1-D. */
  readonly shape: Shape;
  readonly batch: number | undefined;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** The shape of matmul(a, b) for operands of shapes `as` and `bs` (1-D to 3-D); throws naming `op` and both shapes. */
export function productShape(op: string, as: Shape, bs: Shape): ProductShape {
  const ra = as.length;
  const rb = bs.length;
  const m = ra === 1 ? 1 : as[ra - 2]!;
  const k = as[ra - 1]!;
  const kb = rb === 1 ? bs[0]! : bs[rb - 2]!;
  const n = rb === 1 ? 1 : bs[rb - 1]!;
  if (k !== kb) {
    throw new Error(
      `${op}: shapes ${formatShape(as)} and ${formatShape(bs)} are not aligned: ${k} (dim ${ra - 1}) != ${kb} (dim ${Math.max(rb - 2, 0)})`,
    );
  }
  const batch = productBatch(op, as, bs);
  const shape = [...(batch === undefined ? [] : [batch]), ...(ra === 1 ? [] : [m]), ...(rb === 1 ? [] : [n])];
  return { shape, batch, m, k, n };
}

/**
 * Matrix product as NumPy's matmul: 1-D·1-D → 0-d, 2-D·1-D → 1-D, 1-D·2-D → 1-D,
 * 2-D·2-D → 2-D, and with a leading batch dimension (B,m,k)·(B,k,n) → (B,m,n), where a side
 * without one (or with a batch of 1) is shared by every product: (B,m,k)·(k,n) and
 * (m,k)·(B,k,n) → (B,m,n); a 1-D side with a 3-D one drops its dimension from the result.
 * Always a Tensor; numbers are rejected (use mul).
 * @adjointPrimitive matmul
 */
export function matmul(a: Operand, b: Operand): Tensor {
  const at = matmulOperand("matmul", a, 0, a, b, 3);
  const bt = matmulOperand("matmul", b, 1, a, b, 3);
  return matmulTensors("matmul", at, bt);
}

function matmulTensors(op: string, at: Tensor, bt: Tensor): Tensor {
  const { shape, batch, m, k, n } = productShape(op, at.shape, bt.shape);
  const dtype: DType = at.dtype === "float64" || bt.dtype === "float64" ? "float64" : "float32";
  const out = allocData(dtype, (batch ?? 1) * m * n);
  gemmStack(
    stack(at.shape, at.data, m * k, k, false),
    stack(bt.shape, bt.data, k * n, n, false),
    out,
    batch ?? 1,
    m,
    k,
    n,
    false,
  );
  return new Tensor(out, shape);
}

/**
 * NumPy's dot for the cases this runtime supports: a 0-d operand (or a number) multiplies,
 * otherwise the same as matmul for 1-D and 2-D operands (NumPy's dot of 3-D operands is not
 * matmul's batch, and is refused). Two numbers give a number.
 * @adjointPrimitive dot
 */
export function dot(a: number, b: number): number;
export function dot(a: Tensor, b: Operand): Tensor;
export function dot(a: Operand, b: Tensor): Tensor;
export function dot(a: Operand, b: Operand): Operand;
export function dot(a: Operand, b: Operand): Operand {
  if (typeof a === "number" || typeof b === "number") {
    // The multiplication would name mul for a missing operand: name dot.
    if (typeof a !== "number") asTensor("dot", a, 0);
    if (typeof b !== "number") asTensor("dot", b, 1);
    return mul(a, b);
  }
  const at = asTensor("dot", a, 0);
  const bt = asTensor("dot", b, 1);
  if (at.shape.length === 0 || bt.shape.length === 0) return mul(at, bt);
  return matmulTensors("dot", matmulOperand("dot", at, 0, at, bt, 2), matmulOperand("dot", bt, 1, at, bt, 2));
}

/**
 * op(a) · op(b) of 2-D or 3-D tensors, where op transposes the last two dimensions when asked,
 * in the dtype given: the adjoints of matmul (g·bᵀ for a, aᵀ·g for b) without materialising
 * a transpose. A batch broadcasts as in matmul; with `sumBatch` the products are summed over
 * it into one matrix, the adjoint of an operand that every product of the batch shared.
 */
export function matmulTransposed(
  a: Tensor,
  transposeA: boolean,
  b: Tensor,
  transposeB: boolean,
  dtype: DType,
  sumBatch = false,
): Tensor {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  const marks = [transposeA ? "ᵀ" : "", transposeB ? "ᵀ" : ""];
  if (k !== kb) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)}${marks[0]} and ${formatShape(b.shape)}${marks[1]} are not aligned: ${k} != ${kb}`,
    );
  }
  const batch = productBatch("matmul", a.shape, b.shape, marks);
  const kept = sumBatch ? undefined : batch;
  const out = allocData(dtype, (kept ?? 1) * m * n);
  gemmStack(
    stack(a.shape, a.data, ar * ac, ac, transposeA),
    stack(b.shape, b.data, br * bc, bc, transposeB),
    out,
    batch ?? 1,
    m,
    k,
    n,
    sumBatch,
  );
  return new Tensor(out, kept === undefined ? [m, n] : [kept, m, n]);
}

/**
 * One operand of a stack of products: matrix s starts at s·stride of data, or every product
 * shares the one matrix (stride 0); each is stored row-major with `cols` columns and read as
 * it is or transposed.
 */
interface Stack {
  readonly data: TypedArray;
  readonly stride: number;
  readonly cols: number;
  readonly transposed: boolean;
}

function stack(shape: Shape, data: TypedArray, matrixSize: number, cols: number, transposed: boolean): Stack {
  const batch = batchOf(shape);
  return { data, stride: batch === undefined || batch === 1 ? 0 : matrixSize, cols, transposed };
}

/**
 * out = op(a_s)·op(b_s) for each s < batch, the m×n products one after another; with `sum`,
 * out (m×n) = Σ_s op(a_s)·op(b_s). `out` is zero-filled, as allocated.
 */
function gemmStack(
  a: Stack,
  b: Stack,
  out: TypedArray,
  batch: number,
  m: number,
  k: number,
  n: number,
  sum: boolean,
): void {
  const matrix = (x: Stack, s: number) =>
    view(x.stride === 0 ? x.data : x.data.subarray(s * x.stride, (s + 1) * x.stride), x.cols, x.transposed);
  if (batch === 1) return gemm(matrix(a, 0), matrix(b, 0), out, m, k, n);
  // One product for the whole batch where the batch extends one of its dimensions: a's
  // rows follow one another when b is shared, and with `sum` the shared dimension runs
  // through the batch when it is the rows of both stored matrices.
  if (!sum && b.stride === 0 && !a.transposed && a.stride !== 0) {
    return gemm(view(a.data, a.cols), matrix(b, 0), out, batch * m, k, n);
  }
  if (sum && a.transposed && !b.transposed && a.stride !== 0 && b.stride !== 0) {
    return gemm(view(a.data, a.cols, true), view(b.data, b.cols), out, m, batch * k, n);
  }
  if (!sum) {
    for (let s = 0; s < batch; s++) gemm(matrix(a, s), matrix(b, s), out.subarray(s * m * n, (s + 1) * m * n), m, k, n);
    return;
  }
  // The sum of the products, in float64 as gemm sums, through one buffer reused for each.
  const product = new Float64Array(m * n);
  const total = new Float64Array(m * n);
  for (let s = 0; s < batch; s++) {
    if (s > 0) product.fill(0);
    gemm(matrix(a, s), matrix(b, s), product, m, k, n);
    for (let i = 0; i < total.length; i++) total[i] += product[i]!;
  }
  out.set(total);
}
