// Linear algebra: matmul and dot of 1-D and 2-D tensors, summed in float64 (gemm.ts), and
// the products their adjoints need: g·bᵀ and aᵀ·g, read through strides without a transpose.
import { Tensor, type DType, allocData, formatShape, isTensor } from "../tensor";
import { type Operand, asTensor, describe } from "./operands";
import { mul } from "./elementwise-ops.generated";
import { gemm, view } from "./gemm";

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
  gemm(view(at.data, k), view(bt.data, n), out, m, k, n);
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

/**
 * op(a) · op(b) of two 2-D tensors, where op transposes when asked, in the dtype given: the
 * 2-D·2-D adjoints of matmul (g·bᵀ for a, aᵀ·g for b) without materialising a transpose.
 */
export function matmulTransposed(a: Tensor, transposeA: boolean, b: Tensor, transposeB: boolean, dtype: DType): Tensor {
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kb) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)}${transposeA ? "ᵀ" : ""} and ${formatShape(b.shape)}${transposeB ? "ᵀ" : ""} are not aligned: ${k} != ${kb}`,
    );
  }
  const out = allocData(dtype, m * n);
  gemm(view(a.data, ac, transposeA), view(b.data, bc, transposeB), out, m, k, n);
  return new Tensor(out, [m, n]);
}
