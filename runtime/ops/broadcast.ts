// Strided iteration over a broadcast output, shared by the elementwise operations,
// reductions and transpose, and broadcastTo.
import { Tensor, type Shape, allocData, broadcastShapes, formatShape, sameShape, shapeSize } from "../tensor.js";
import { type Operand, tensorOf } from "./operands.js";

/**
 * Iteration plan over an output of shape `out` for operands broadcast to it: dims of size
 * 1 dropped and adjacent dims merged wherever every operand is contiguous across them.
 * `dims` are outer to inner; strides[k][d] is operand k's element stride along dims[d]
 * (0 where it is broadcast). The output is always contiguous.
 */
export interface Plan {
  dims: number[];
  strides: number[][];
}

export function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

export function planBroadcast(out: Shape, ins: readonly Shape[]): Plan {
  const r = out.length;
  const full = ins.map((shape) => {
    const own = stridesOf(shape);
    const st = new Array<number>(r);
    for (let d = 0; d < r; d++) {
      const k = d - (r - shape.length);
      st[d] = k < 0 || shape[k] === 1 ? 0 : own[k];
    }
    return st;
  });
  const dims: number[] = [];
  const strides: number[][] = ins.map(() => []);
  for (let d = 0; d < r; d++) {
    if (out[d] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && full.every((st, k) => strides[k][last] === st[d] * out[d])) {
      dims[last] *= out[d];
      full.forEach((st, k) => (strides[k][last] = st[d]));
    } else {
      dims.push(out[d]);
      full.forEach((st, k) => strides[k].push(st[d]));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { dims, strides };
}

/** Advances a multi-index over dims[0..n) (the outer dims); returns the offset deltas via `pos`. */
export function advance(idx: Int32Array, dims: number[], strides: number[][], pos: number[], nOuter: number): void {
  for (let d = nOuter - 1; d >= 0; d--) {
    idx[d]++;
    if (idx[d] < dims[d]) {
      for (let k = 0; k < pos.length; k++) pos[k] += strides[k][d];
      return;
    }
    idx[d] = 0;
    for (let k = 0; k < pos.length; k++) pos[k] -= strides[k][d] * (dims[d] - 1);
  }
}

/** Copies `x` broadcast to `shape` into a new tensor (dtype kept). */
export function broadcastTo(x: Operand, shape: Shape): Tensor {
  const t = tensorOf("broadcastTo", x, 0);
  const target = broadcastShapes("broadcastTo", t.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`broadcastTo: shape ${formatShape(t.shape)} cannot be broadcast to ${formatShape(shape)}`);
  }
  const n = shapeSize(shape);
  const out = allocData(typeof x === "number" ? "float64" : t.dtype, n);
  if (n === 0) return new Tensor(out, shape);
  if (t.size === n) {
    out.set(t.data);
    return new Tensor(out, shape);
  }
  if (t.size === 1) {
    out.fill(t.data[0]);
    return new Tensor(out, shape);
  }
  const { dims, strides } = planBroadcast(shape, [t.shape]);
  const nOuter = dims.length - 1;
  const inner = dims[nOuter];
  const si = strides[0][nOuter];
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0];
  const src = t.data;
  for (let o = 0; o < n; o += inner) {
    const p = pos[0];
    if (si === 0) out.fill(src[p], o, o + inner);
    else for (let j = 0; j < inner; j++) out[o + j] = src[p + j * si];
    advance(idx, dims, strides, pos, nOuter);
  }
  return new Tensor(out, shape);
}
