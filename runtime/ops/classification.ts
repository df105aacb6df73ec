// Classification helpers: logSoftmax, minibatch rows (gather) and argmax.
import { Tensor, allocData, formatShape } from "../tensor.js";
import { type Operand, asTensor, describe } from "./operands.js";
import { sub } from "./elementwise-ops.generated.js";
import { logSumExp, normalizeAxes } from "./reduce.js";

/**
 * log(softmax(x)) along `axis` (default the last), computed stably as x − logSumExp(x).
 * @adjointPrimitive logSoftmax
 */
export function logSoftmax(x: Tensor, axis?: number): Tensor;
export function logSoftmax(x: Operand, axis?: number): Operand;
export function logSoftmax(x: Operand, axis = -1): Operand {
  if (typeof x === "number") return 0;
  return sub(x, logSumExp(asTensor("logSoftmax", x, 0), axis, true));
}

/**
 * The rows `indices` of `x` (its first axis), in that order; rows may repeat. For
 * minibatches: gather(x, batchIndices).
 * @adjointPrimitive gather
 */
export function gather(x: Tensor, indices: readonly number[]): Tensor {
  const t = asTensor("gather", x, 0);
  if (typeof indices !== "object" || indices === null) {
    throw new TypeError(
      indices === undefined
        ? "gather: argument 2 is undefined (a missing argument?)"
        : `gather: argument 2 must be an array of row indices, got ${describe(indices)}`,
    );
  }
  if (t.shape.length === 0) throw new Error("gather: a 0-d tensor has no rows");
  const rows = t.shape[0]!;
  const rowSize = t.size / rows;
  const out = allocData(t.dtype, indices.length * rowSize);
  indices.forEach((index, k) => {
    if (!Number.isInteger(index) || index < 0 || index >= rows) {
      throw new Error(`gather: row ${index} is out of range for shape ${formatShape(t.shape)}`);
    }
    out.set(t.data.subarray(index * rowSize, (index + 1) * rowSize), k * rowSize);
  });
  return new Tensor(out, [indices.length, ...t.shape.slice(1)]);
}

/**
 * The index of the largest value along `axis` (default the last); the first one on a
 * tie; NaN counts as largest, as NumPy. Not differentiable.
 * @adjointPrimitive argmax
 */
export function argmax(x: Tensor, axis = -1): Tensor {
  const t = asTensor("argmax", x, 0);
  const [k] = normalizeAxes("argmax", axis, t.shape);
  const shape = t.shape;
  const n = shape[k!]!;
  const inner = shape.slice(k! + 1).reduce((p, d) => p * d, 1);
  const outer = t.size / (n * inner);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = t.data[o * n * inner + i]!;
      for (let j = 1; j < n && !Number.isNaN(bestValue); j++) {
        const v = t.data[(o * n + j) * inner + i]!;
        if (v > bestValue || Number.isNaN(v)) {
          best = j;
          bestValue = v;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return new Tensor(out, [...shape.slice(0, k!), ...shape.slice(k! + 1)]);
}
