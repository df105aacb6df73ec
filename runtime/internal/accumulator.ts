// A running sum that a loop of generated code adds into (transformer/passes/accumulate.ts):
// `dw = add(dw, g)` on every trip allocates a new buffer for dw each time, although nothing
// but the next trip reads the old one. The accumulator owns its total: the first tensor sum
// is a fresh buffer, and later sums of the same shape and dtype go into it in place.
//
// It gives exactly what the chain of `add` calls gives, element for element: the same
// kernel adds the same two values in the same order, and any sum that would change the
// shape or the dtype (broadcasting, float32 + float64) goes through `add` itself. The
// starting value and every addend are only read: they may be the user's tensors, or
// gradients other variables still hold.
import { ADD } from "../ops/kernels.generated.js";
import { add } from "../ops/elementwise-ops.generated.js";
import type { Operand } from "../ops/operands.js";
import { isTensor, type Tensor, type TypedArray } from "../tensor.js";

export class Accumulator {
  private sum: Operand;
  /** Whether `sum` is a buffer this accumulator allocated, which nothing else can hold. */
  private owned = false;

  constructor(start: Operand) {
    this.sum = start;
  }

  add(x: Operand): void {
    const sum = this.sum;
    if (this.owned && isTensor(sum) && fitsInPlace(sum, x)) {
      const n = sum.size;
      if (typeof x === "number") ADD.vs(sum.data, 0, sum.data, 0, x, n);
      else ADD.vv(sum.data, 0, sum.data, 0, x.data, 0, n);
      return;
    }
    // add returns a new tensor whenever either operand is one.
    this.sum = add(sum, x);
    this.owned = isTensor(this.sum);
  }

  /**
   * Whether a fused loop (transformer/passes/fuse.ts) may add its elements into buffer():
   * the sum owns a tensor, and every operand the loop reads is a tensor of its shape that
   * does not widen its dtype (add would have given a new tensor otherwise).
   */
  fits(...operands: unknown[]): boolean {
    const sum = this.sum;
    if (!this.owned || !isTensor(sum)) return false;
    return operands.every((x) => isTensor(x) && fitsInPlace(sum, x));
  }

  /** The sum's elements, for a fused loop that fits() allowed to add into them. */
  buffer(): TypedArray {
    return (this.sum as Tensor).data;
  }

  /** The total so far: the loop is over, and the buffer is the gradient's from here on. */
  value(): Operand {
    this.owned = false;
    return this.sum;
  }
}

/** Whether add(sum, x) would have sum's shape and dtype: a number, or a tensor of the same shape that does not widen it. */
function fitsInPlace(sum: Tensor, x: Operand): boolean {
  if (typeof x === "number") return true;
  if (!isTensor(x)) return false; // add names the operation and the bad operand
  if (sum.dtype === "float32" && x.dtype === "float64") return false;
  const [a, b] = [sum.shape, x.shape];
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

/** The accumulator of a loop's running sum, starting from its value before the loop. */
export function accumulator(start: Operand): Accumulator {
  return new Accumulator(start);
}
