// The primitive tensor operations, API.md's and nothing else: both entries re-export this
// module whole (runtime/index.ts for users, runtime/internal/index.ts for generated code), so it
// must not export a helper (broadcastTo, normalizeAxes: import those from their modules).
// Each concern has a module of its own: the elementwise operators come from the kernel
// table (runtime/ops/kernels.ts, generated into kernels.generated.ts and
// elementwise-ops.generated.ts, driven by elementwise.ts), pow is written here around its
// kernel, and reduce.ts, shape-ops.ts, linalg.ts and classification.ts hold the rest.
//
// Return rule: every operation takes `number | Tensor` operands. If every operand is a
// plain number the result is a plain number (computed with Math.*, i.e. in float64), so
// number-only code never allocates; if any operand is a Tensor the result is a Tensor,
// of shape [] when everything is 0-d. The overloads encode this: (number, number) → number,
// anything with a Tensor → Tensor, and (number | Tensor, number | Tensor) → number | Tensor.
// Shape operations (reshape, matmul) are the exceptions noted on each.
//
// Dtypes: float32 with float32 or with a plain number stays float32; anything with float64
// is float64. Arithmetic is done in float64 (JS numbers) and rounded once on store, and
// reductions accumulate in float64 whatever the dtype.
//
// Nothing here writes into an input's data. NaN and ±Infinity propagate as IEEE 754 says;
// nothing is clamped.
import { Tensor, allocData, isTensor } from "../tensor.js";
import { binary, unaryTensor } from "./elementwise.js";
import { CUBE, POW, RECIPROCAL, SQUARE } from "./kernels.generated.js";
import type { Operand } from "./operands.js";

export type { Operand } from "./operands.js";
// The generated public functions of the kernel table: a new entry is exported with no edit here.
export * from "./elementwise-ops.generated.js";
export { where } from "./elementwise.js";
export { sum, mean, logSumExp } from "./reduce.js";
export { reshape, transpose } from "./shape-ops.js";
export { matmul, dot } from "./linalg.js";
export { logSoftmax, gather, argmax } from "./classification.js";

/**
 * a ** b (Math.pow semantics), broadcast.
 * @adjointPrimitive pow
 */
export function pow(a: number, b: number): number;
export function pow(a: Tensor, b: Operand): Tensor;
export function pow(a: Operand, b: Tensor): Tensor;
export function pow(a: Operand, b: Operand): Operand;
export function pow(a: Operand, b: Operand): Operand {
  if (typeof b === "number" && typeof a !== "number" && isTensor(a)) {
    // Small integer exponents as multiplications: exact, and several times faster than Math.pow.
    if (b === 2) return unaryTensor(SQUARE, a);
    if (b === 3) return unaryTensor(CUBE, a);
    if (b === 1) return copy(a);
    if (b === -1) return unaryTensor(RECIPROCAL, a);
  }
  return binary(POW, a, b);
}

function copy(t: Tensor): Tensor {
  const out = allocData(t.dtype, t.size);
  out.set(t.data);
  return new Tensor(out, t.shape);
}
