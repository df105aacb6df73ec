// Shape operations: reshape (shares the data) and transpose (copies it in the new order).
import { Tensor, type Shape, allocData, formatShape, resolveShape } from "../tensor.js";
import { advance, stridesOf } from "./broadcast.js";
import { type Operand, tensorOf } from "./operands.js";

/**
 * `x` with a new shape of the same size (one -1 is inferred). Shares `x`'s data (tensors
 * are immutable). A number gives a Tensor of the requested shape.
 * @adjointPrimitive reshape
 */
export function reshape(x: Operand, shape: Shape): Tensor {
  const t = tensorOf("reshape", x, 0);
  return new Tensor(t.data, resolveShape("reshape", t.shape, shape, t.size));
}

/** Validates `perm` against rank `r` (negative entries count from the end). */
function normalizePerm(op: string, perm: readonly number[], shape: Shape): number[] {
  const r = shape.length;
  const bad = (): Error =>
    new Error(
      `${op}: [${Array.isArray(perm) ? perm.join(",") : String(perm)}] is not a permutation of the ${r} axes of shape ${formatShape(shape)}`,
    );
  if (!Array.isArray(perm) || perm.length !== r) throw bad();
  const seen = new Array<boolean>(r).fill(false);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const p = perm[i];
    if (typeof p !== "number" || !Number.isInteger(p) || p < -r || p >= r) throw bad();
    const k = p < 0 ? p + r : p;
    if (seen[k]) throw bad();
    seen[k] = true;
    out[i] = k;
  }
  return out;
}

/**
 * Permutes the axes: result.shape[i] = x.shape[perm[i]]; default reverses them. A number
 * (0-d) comes back unchanged.
 * @adjointPrimitive transpose
 */
export function transpose(x: number, perm?: readonly number[]): number;
export function transpose(x: Tensor, perm?: readonly number[]): Tensor;
export function transpose(x: Operand, perm?: readonly number[]): Operand;
export function transpose(x: Operand, perm?: readonly number[]): Operand {
  const t = tensorOf("transpose", x, 0);
  const r = t.shape.length;
  const p =
    perm === undefined ? Array.from({ length: r }, (_, i) => r - 1 - i) : normalizePerm("transpose", perm, t.shape);
  if (typeof x === "number") return x;
  const shape = p.map((k) => t.shape[k]);
  const out = allocData(t.dtype, t.size);
  const src = t.data;
  const n = t.size;
  if (n === 0) return new Tensor(out, shape);
  if (r === 2 && p[0] === 1) {
    const rows = t.shape[0];
    const cols = t.shape[1];
    for (let i = 0; i < rows; i++) {
      const base = i * cols;
      for (let j = 0; j < cols; j++) out[j * rows + i] = src[base + j];
    }
    return new Tensor(out, shape);
  }
  // Walk the output in order; the input strides are permuted.
  const inStrides = stridesOf(t.shape);
  const dims = shape;
  const strides = [p.map((k) => inStrides[k])];
  const nOuter = r - 1;
  const inner = r === 0 ? 1 : dims[nOuter];
  const si = r === 0 ? 0 : strides[0][nOuter];
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0];
  for (let o = 0; o < n; o += inner) {
    const base = pos[0];
    for (let j = 0; j < inner; j++) out[o + j] = src[base + j * si];
    advance(idx, dims as number[], strides, pos, nOuter);
  }
  return new Tensor(out, shape);
}
