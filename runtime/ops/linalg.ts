// Linear algebra: matmul and dot of 1-D and 2-D tensors, accumulated in float64 rows.
import { Tensor, type DType, allocData, formatShape, isTensor } from "../tensor";
import { type Operand, asTensor, describe } from "./operands";
import { mul } from "./elementwise-ops.generated";

function matmulOperand(op: string, x: unknown, index: number, a: unknown, b: unknown): Tensor {
  const show = (v: unknown): string =>
    isTensor(v) ? formatShape(v.shape) : typeof v === "number" ? "a number" : describe(v);
  if (typeof x === "number" || (isTensor(x) && (x.shape.length < 1 || x.shape.length > 2))) {
    const got = typeof x === "number" ? "a number" : `${(x as Tensor).shape.length}-D`;
    throw new Error(`${op}: shapes ${show(a)} and ${show(b)}: operand ${index} must be 1-D or 2-D, got ${got}`);
  }
  return asTensor(op, x, index);
}

/**
 * Matrix product of 1-D and 2-D tensors, as NumPy: 1-D·1-D → 0-d, 2-D·1-D → 1-D,
 * 1-D·2-D → 1-D, 2-D·2-D → 2-D. Always a Tensor; numbers are rejected (use mul).
 * @adjointPrimitive matmul
 */
export function matmul(a: Operand, b: Operand): Tensor {
  const at = matmulOperand("matmul", a, 0, a, b);
  const bt = matmulOperand("matmul", b, 1, a, b);
  return matmulTensors("matmul", at, bt);
}

function matmulTensors(op: string, at: Tensor, bt: Tensor): Tensor {
  const a2 = at.shape.length === 2;
  const b2 = bt.shape.length === 2;
  const m = a2 ? at.shape[0] : 1;
  const k = a2 ? at.shape[1] : at.shape[0];
  const kb = bt.shape[0];
  const n = b2 ? bt.shape[1] : 1;
  if (k !== kb) {
    throw new Error(
      `${op}: shapes ${formatShape(at.shape)} and ${formatShape(bt.shape)} are not aligned: ${k} (dim ${a2 ? 1 : 0}) != ${kb} (dim 0)`,
    );
  }
  const shape = a2 ? (b2 ? [m, n] : [m]) : b2 ? [n] : [];
  const dtype: DType = at.dtype === "float64" || bt.dtype === "float64" ? "float64" : "float32";
  const out = allocData(dtype, m * n);
  const A = at.data;
  const B = bt.data;
  if (n === 1) {
    // Matrix (or vector) times vector: contiguous dot products.
    for (let i = 0; i < m; i++) {
      let s = 0;
      const base = i * k;
      for (let p = 0; p < k; p++) s += A[base + p] * B[p];
      out[i] = s;
    }
  } else {
    // i-p-j order streams rows of B; a float64 row accumulator keeps float32 sums accurate.
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      const base = i * k;
      for (let p = 0; p < k; p++) {
        const aip = A[base + p];
        const row = p * n;
        for (let j = 0; j < n; j++) acc[j] += aip * B[row + j];
      }
      out.set(acc, i * n);
    }
  }
  return new Tensor(out, shape);
}

/**
 * NumPy's dot for the cases this runtime supports: a 0-d operand (or a number) multiplies,
 * otherwise the same as matmul for 1-D and 2-D operands. Two numbers give a number.
 * @adjointPrimitive dot
 */
export function dot(a: number, b: number): number;
export function dot(a: Tensor, b: Operand): Tensor;
export function dot(a: Operand, b: Tensor): Tensor;
export function dot(a: Operand, b: Operand): Operand;
export function dot(a: Operand, b: Operand): Operand {
  if (typeof a === "number" || typeof b === "number") return mul(a, b);
  const at = asTensor("dot", a, 0);
  const bt = asTensor("dot", b, 1);
  if (at.shape.length === 0 || bt.shape.length === 0) return mul(at, bt);
  return matmulTensors("dot", matmulOperand("dot", at, 0, at, bt), matmulOperand("dot", bt, 1, at, bt));
}
