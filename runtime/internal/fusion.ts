// What the loops of the fusion pass (transformer/passes/fuse.ts) call around themselves: the
// guard that picks the fused loop over the per-operation calls, and the result it writes.
// The loop computes each element in float64 from the operands' data and stores it once,
// so its result must have the dtype the per-operation calls would have given: float64 if
// any tensor operand is float64, else float32 (numbers never widen a dtype).
import { Tensor, type DType, allocData, isTensor } from "../tensor.js";

/**
 * Whether every operand is a Tensor and all have one shape: then one loop over their
 * elements computes what the per-operation calls compute, with nothing to broadcast.
 */
export function sameShapes(first: unknown, ...rest: unknown[]): boolean {
  if (!isTensor(first)) return false;
  const shape = first.shape;
  for (const t of rest) {
    if (!isTensor(t) || t.shape.length !== shape.length) return false;
    for (let d = 0; d < shape.length; d++) if (t.shape[d] !== shape[d]) return false;
  }
  return true;
}

/** Whether every operand is a 0-d Tensor: a fused loop reads each once, before it, and broadcasts it. */
export function allScalars(...operands: unknown[]): boolean {
  return operands.every((t) => isTensor(t) && t.shape.length === 0);
}

function promoted(operands: readonly Tensor[]): DType {
  return operands.some((t) => t.dtype === "float64") ? "float64" : "float32";
}

/** A fused loop's output: the first operand's shape (sameShapes checked the others share it, or are 0-d), in the operands' promoted dtype. */
export function fusedResult(...operands: Tensor[]): Tensor {
  return new Tensor(allocData(promoted(operands), operands[0]!.size), operands[0]!.shape);
}

/** A reduction accumulated inside a fused loop, as sum and mean return it: a 0-d tensor in the operands' promoted dtype. */
export function fusedTotal(total: number, ...operands: Tensor[]): Tensor {
  const data = allocData(promoted(operands), 1);
  data[0] = total;
  return new Tensor(data, []);
}
