// What every operation accepts, and the checks that turn an operand into a Tensor with an
// error message naming the operation and the operand.
import { Tensor, isTensor } from "../tensor.js";

export type Operand = number | Tensor;

export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (Array.isArray(x)) return "an array (wrap it with tensor())";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}

/**
 * The error for an operand that is neither a number nor a Tensor, naming the operation and
 * `which` operand ("argument 2"); an undefined one is most often an argument left out.
 */
export function operandError(op: string, x: unknown, which: string): TypeError {
  if (x === undefined) return new TypeError(`${op}: ${which} is undefined (a missing argument?)`);
  return new TypeError(`${op}: ${which} must be a number or a Tensor, got ${describe(x)}`);
}

/** `x` as a Tensor, or an error naming `op` and the operand (`index` counts from 0, the message from 1). */
export function asTensor(op: string, x: unknown, index: number): Tensor {
  if (isTensor(x)) return x;
  throw operandError(op, x, `argument ${index + 1}`);
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
