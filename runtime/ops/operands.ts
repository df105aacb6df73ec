// What every operation accepts, and the checks that turn an operand into a Tensor with an
// error message naming the operation and the operand.
import { Tensor, isTensor } from "../tensor.js";

export type Operand = number | Tensor;

export function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array (wrap it with tensor())";
  return `a ${typeof x}`;
}

export function asTensor(op: string, x: unknown, index: number): Tensor {
  if (isTensor(x)) return x;
  throw new TypeError(`${op}: operand ${index} must be a number or a Tensor, got ${describe(x)}`);
}

/** A number becomes a float64 0-d tensor; anything else must already be a Tensor. */
export function tensorOf(op: string, x: unknown, index: number): Tensor {
  if (typeof x === "number") {
    const d = new Float64Array(1);
    d[0] = x;
    return new Tensor(d, []);
  }
  return asTensor(op, x, index);
}
