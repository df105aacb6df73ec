// The primitive tensor operations.
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
//
// Speed: each elementwise op has its own monomorphic loops for the three common cases
// (same shape, tensor op scalar, scalar op tensor; a size-1 tensor counts as a scalar).
// General broadcasting walks the output in contiguous rows, with the operands' strides
// precomputed and adjacent dimensions merged, and calls the same row loops once per row,
// so no per-element allocation or function call happens anywhere.

import {
  Tensor,
  type DType,
  type Shape,
  type TypedArray,
  allocData,
  broadcastShapes,
  formatShape,
  isTensor,
  resolveShape,
  resultDType,
  sameShape,
  shapeSize,
} from "./tensor";

export type Operand = number | Tensor;

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array (wrap it with tensor())";
  return `a ${typeof x}`;
}

function asTensor(op: string, x: unknown, index: number): Tensor {
  if (isTensor(x)) return x;
  throw new TypeError(`${op}: operand ${index} must be a number or a Tensor, got ${describe(x)}`);
}

function tensorOf(op: string, x: unknown, index: number): Tensor {
  if (typeof x === "number") {
    const d = new Float64Array(1);
    d[0] = x;
    return new Tensor(d, []);
  }
  return asTensor(op, x, index);
}

// ---------------------------------------------------------------------------------------
// Strided iteration

/**
 * Iteration plan over an output of shape `out` for operands broadcast to it: dims of size
 * 1 dropped and adjacent dims merged wherever every operand is contiguous across them.
 * `dims` are outer to inner; strides[k][d] is operand k's element stride along dims[d]
 * (0 where it is broadcast). The output is always contiguous.
 */
interface Plan {
  dims: number[];
  strides: number[][];
}

function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

function planBroadcast(out: Shape, ins: readonly Shape[]): Plan {
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
function advance(idx: Int32Array, dims: number[], strides: number[][], pos: number[], nOuter: number): void {
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

// ---------------------------------------------------------------------------------------
// Elementwise binary operations

type RowVV = (o: TypedArray, oi: number, a: TypedArray, ai: number, b: TypedArray, bi: number, n: number) => void;
type RowVS = (o: TypedArray, oi: number, a: TypedArray, ai: number, s: number, n: number) => void;
type RowSV = (o: TypedArray, oi: number, s: number, b: TypedArray, bi: number, n: number) => void;

interface BinaryKernel {
  readonly name: string;
  readonly s: (a: number, b: number) => number;
  readonly vv: RowVV;
  readonly vs: RowVS;
  readonly sv: RowSV;
}

function binary(k: BinaryKernel, a: unknown, b: unknown): Operand {
  if (typeof a === "number") {
    if (typeof b === "number") return k.s(a, b);
    const bt = asTensor(k.name, b, 1);
    const out = allocData(bt.dtype, bt.size);
    k.sv(out, 0, a, bt.data, 0, bt.size);
    return new Tensor(out, bt.shape);
  }
  const at = asTensor(k.name, a, 0);
  if (typeof b === "number") {
    const out = allocData(at.dtype, at.size);
    k.vs(out, 0, at.data, 0, b, at.size);
    return new Tensor(out, at.shape);
  }
  const bt = asTensor(k.name, b, 1);
  const dtype: DType = at.dtype === "float64" || bt.dtype === "float64" ? "float64" : "float32";
  if (sameShape(at.shape, bt.shape)) {
    const out = allocData(dtype, at.size);
    k.vv(out, 0, at.data, 0, bt.data, 0, at.size);
    return new Tensor(out, at.shape);
  }
  const shape = broadcastShapes(k.name, at.shape, bt.shape);
  const n = shapeSize(shape);
  const out = allocData(dtype, n);
  if (n === 0) return new Tensor(out, shape);
  // Same element order as the output (only size-1 dims differ), or one side is a scalar.
  if (at.size === n && bt.size === n) k.vv(out, 0, at.data, 0, bt.data, 0, n);
  else if (at.size === n && bt.size === 1) k.vs(out, 0, at.data, 0, bt.data[0], n);
  else if (at.size === 1 && bt.size === n) k.sv(out, 0, at.data[0], bt.data, 0, n);
  else broadcastRows(k, out, n, shape, at, bt);
  return new Tensor(out, shape);
}

function broadcastRows(k: BinaryKernel, out: TypedArray, n: number, shape: Shape, at: Tensor, bt: Tensor): void {
  const { dims, strides } = planBroadcast(shape, [at.shape, bt.shape]);
  const nOuter = dims.length - 1;
  const inner = dims[nOuter];
  const sa = strides[0][nOuter];
  const sb = strides[1][nOuter];
  const ad = at.data;
  const bd = bt.data;
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0, 0];
  // The innermost merged dim is contiguous (stride 1) or broadcast (stride 0) for each operand.
  for (let o = 0; o < n; o += inner) {
    const ia = pos[0];
    const ib = pos[1];
    if (sa === 1 && sb === 1) k.vv(out, o, ad, ia, bd, ib, inner);
    else if (sa === 1) k.vs(out, o, ad, ia, bd[ib], inner);
    else if (sb === 1) k.sv(out, o, ad[ia], bd, ib, inner);
    else out.fill(k.s(ad[ia], bd[ib]), o, o + inner);
    advance(idx, dims, strides, pos, nOuter);
  }
}

const ADD: BinaryKernel = {
  name: "add",
  s: (a, b) => a + b,
  vv(o, oi, a, ai, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] + b[bi + j];
      o[oi + j + 1] = a[ai + j + 1] + b[bi + j + 1];
      o[oi + j + 2] = a[ai + j + 2] + b[bi + j + 2];
      o[oi + j + 3] = a[ai + j + 3] + b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] + b[bi + j];
  },
  vs(o, oi, a, ai, s, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] + s;
      o[oi + j + 1] = a[ai + j + 1] + s;
      o[oi + j + 2] = a[ai + j + 2] + s;
      o[oi + j + 3] = a[ai + j + 3] + s;
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] + s;
  },
  sv(o, oi, s, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = s + b[bi + j];
      o[oi + j + 1] = s + b[bi + j + 1];
      o[oi + j + 2] = s + b[bi + j + 2];
      o[oi + j + 3] = s + b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = s + b[bi + j];
  },
};

const SUB: BinaryKernel = {
  name: "sub",
  s: (a, b) => a - b,
  vv(o, oi, a, ai, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] - b[bi + j];
      o[oi + j + 1] = a[ai + j + 1] - b[bi + j + 1];
      o[oi + j + 2] = a[ai + j + 2] - b[bi + j + 2];
      o[oi + j + 3] = a[ai + j + 3] - b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] - b[bi + j];
  },
  vs(o, oi, a, ai, s, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] - s;
      o[oi + j + 1] = a[ai + j + 1] - s;
      o[oi + j + 2] = a[ai + j + 2] - s;
      o[oi + j + 3] = a[ai + j + 3] - s;
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] - s;
  },
  sv(o, oi, s, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = s - b[bi + j];
      o[oi + j + 1] = s - b[bi + j + 1];
      o[oi + j + 2] = s - b[bi + j + 2];
      o[oi + j + 3] = s - b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = s - b[bi + j];
  },
};

const MUL: BinaryKernel = {
  name: "mul",
  s: (a, b) => a * b,
  vv(o, oi, a, ai, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] * b[bi + j];
      o[oi + j + 1] = a[ai + j + 1] * b[bi + j + 1];
      o[oi + j + 2] = a[ai + j + 2] * b[bi + j + 2];
      o[oi + j + 3] = a[ai + j + 3] * b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] * b[bi + j];
  },
  vs(o, oi, a, ai, s, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] * s;
      o[oi + j + 1] = a[ai + j + 1] * s;
      o[oi + j + 2] = a[ai + j + 2] * s;
      o[oi + j + 3] = a[ai + j + 3] * s;
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] * s;
  },
  sv(o, oi, s, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = s * b[bi + j];
      o[oi + j + 1] = s * b[bi + j + 1];
      o[oi + j + 2] = s * b[bi + j + 2];
      o[oi + j + 3] = s * b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = s * b[bi + j];
  },
};

const DIV: BinaryKernel = {
  name: "div",
  s: (a, b) => a / b,
  vv(o, oi, a, ai, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] / b[bi + j];
      o[oi + j + 1] = a[ai + j + 1] / b[bi + j + 1];
      o[oi + j + 2] = a[ai + j + 2] / b[bi + j + 2];
      o[oi + j + 3] = a[ai + j + 3] / b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] / b[bi + j];
  },
  vs(o, oi, a, ai, s, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = a[ai + j] / s;
      o[oi + j + 1] = a[ai + j + 1] / s;
      o[oi + j + 2] = a[ai + j + 2] / s;
      o[oi + j + 3] = a[ai + j + 3] / s;
    }
    for (; j < n; j++) o[oi + j] = a[ai + j] / s;
  },
  sv(o, oi, s, b, bi, n) {
    let j = 0;
    for (; j + 3 < n; j += 4) {
      o[oi + j] = s / b[bi + j];
      o[oi + j + 1] = s / b[bi + j + 1];
      o[oi + j + 2] = s / b[bi + j + 2];
      o[oi + j + 3] = s / b[bi + j + 3];
    }
    for (; j < n; j++) o[oi + j] = s / b[bi + j];
  },
};

const POW: BinaryKernel = {
  name: "pow",
  s: (a, b) => Math.pow(a, b),
  vv(o, oi, a, ai, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.pow(a[ai + j], b[bi + j]);
  },
  vs(o, oi, a, ai, s, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.pow(a[ai + j], s);
  },
  sv(o, oi, s, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.pow(s, b[bi + j]);
  },
};

// add/sub/mul/div are unrolled by four: about 25% faster on float32 in V8 (fewer
// bounds-check and loop-back-edge instructions per element); the rarer ops are not.

// Math.max/min propagate NaN and order -0 < +0, as NumPy's maximum/minimum do.
const MAXIMUM: BinaryKernel = {
  name: "maximum",
  s: (a, b) => Math.max(a, b),
  vv(o, oi, a, ai, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.max(a[ai + j], b[bi + j]);
  },
  vs(o, oi, a, ai, s, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.max(a[ai + j], s);
  },
  sv(o, oi, s, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.max(s, b[bi + j]);
  },
};

const MINIMUM: BinaryKernel = {
  name: "minimum",
  s: (a, b) => Math.min(a, b),
  vv(o, oi, a, ai, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.min(a[ai + j], b[bi + j]);
  },
  vs(o, oi, a, ai, s, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.min(a[ai + j], s);
  },
  sv(o, oi, s, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = Math.min(s, b[bi + j]);
  },
};

const GREATER: BinaryKernel = {
  name: "greater",
  s: (a, b) => (a > b ? 1 : 0),
  vv(o, oi, a, ai, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = a[ai + j] > b[bi + j] ? 1 : 0;
  },
  vs(o, oi, a, ai, s, n) {
    for (let j = 0; j < n; j++) o[oi + j] = a[ai + j] > s ? 1 : 0;
  },
  sv(o, oi, s, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = s > b[bi + j] ? 1 : 0;
  },
};

const EQUAL: BinaryKernel = {
  name: "equal",
  s: (a, b) => (a === b ? 1 : 0),
  vv(o, oi, a, ai, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = a[ai + j] === b[bi + j] ? 1 : 0;
  },
  vs(o, oi, a, ai, s, n) {
    for (let j = 0; j < n; j++) o[oi + j] = a[ai + j] === s ? 1 : 0;
  },
  sv(o, oi, s, b, bi, n) {
    for (let j = 0; j < n; j++) o[oi + j] = s === b[bi + j] ? 1 : 0;
  },
};

/**
 * a + b, broadcast.
 * @adjointPrimitive add
 */
export function add(a: number, b: number): number;
export function add(a: Tensor, b: Operand): Tensor;
export function add(a: Operand, b: Tensor): Tensor;
export function add(a: Operand, b: Operand): Operand;
export function add(a: Operand, b: Operand): Operand {
  return binary(ADD, a, b);
}

/**
 * a - b, broadcast.
 * @adjointPrimitive sub
 */
export function sub(a: number, b: number): number;
export function sub(a: Tensor, b: Operand): Tensor;
export function sub(a: Operand, b: Tensor): Tensor;
export function sub(a: Operand, b: Operand): Operand;
export function sub(a: Operand, b: Operand): Operand {
  return binary(SUB, a, b);
}

/**
 * a * b, broadcast.
 * @adjointPrimitive mul
 */
export function mul(a: number, b: number): number;
export function mul(a: Tensor, b: Operand): Tensor;
export function mul(a: Operand, b: Tensor): Tensor;
export function mul(a: Operand, b: Operand): Operand;
export function mul(a: Operand, b: Operand): Operand {
  return binary(MUL, a, b);
}

/**
 * a / b, broadcast.
 * @adjointPrimitive div
 */
export function div(a: number, b: number): number;
export function div(a: Tensor, b: Operand): Tensor;
export function div(a: Operand, b: Tensor): Tensor;
export function div(a: Operand, b: Operand): Operand;
export function div(a: Operand, b: Operand): Operand {
  return binary(DIV, a, b);
}

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
    if (b === 1) return unaryTensor(IDENTITY, a);
    if (b === -1) return unaryTensor(RECIPROCAL, a);
  }
  return binary(POW, a, b);
}

/**
 * The elementwise larger of a and b (NaN if either is NaN), broadcast.
 * @adjointPrimitive maximum
 */
export function maximum(a: number, b: number): number;
export function maximum(a: Tensor, b: Operand): Tensor;
export function maximum(a: Operand, b: Tensor): Tensor;
export function maximum(a: Operand, b: Operand): Operand;
export function maximum(a: Operand, b: Operand): Operand {
  return binary(MAXIMUM, a, b);
}

/**
 * The elementwise smaller of a and b (NaN if either is NaN), broadcast.
 * @adjointPrimitive minimum
 */
export function minimum(a: number, b: number): number;
export function minimum(a: Tensor, b: Operand): Tensor;
export function minimum(a: Operand, b: Tensor): Tensor;
export function minimum(a: Operand, b: Operand): Operand;
export function minimum(a: Operand, b: Operand): Operand {
  return binary(MINIMUM, a, b);
}

/**
 * 1 where a > b, else 0 (so 0 where either is NaN), in the promoted dtype. Not differentiable.
 * @adjointPrimitive greater
 */
export function greater(a: number, b: number): number;
export function greater(a: Tensor, b: Operand): Tensor;
export function greater(a: Operand, b: Tensor): Tensor;
export function greater(a: Operand, b: Operand): Operand;
export function greater(a: Operand, b: Operand): Operand {
  return binary(GREATER, a, b);
}

/**
 * 1 where a === b, else 0, in the promoted dtype. Not differentiable.
 * @adjointPrimitive equal
 */
export function equal(a: number, b: number): number;
export function equal(a: Tensor, b: Operand): Tensor;
export function equal(a: Operand, b: Tensor): Tensor;
export function equal(a: Operand, b: Operand): Operand;
export function equal(a: Operand, b: Operand): Operand {
  return binary(EQUAL, a, b);
}

/**
 * `a` where `cond` is nonzero (NaN counts as nonzero), else `b`; all three broadcast
 * together. The dtype is that of a and b promoted; cond's dtype does not matter.
 * @adjointPrimitive where
 */
export function where(cond: number, a: number, b: number): number;
export function where(cond: Tensor, a: Operand, b: Operand): Tensor;
export function where(cond: Operand, a: Tensor, b: Operand): Tensor;
export function where(cond: Operand, a: Operand, b: Tensor): Tensor;
export function where(cond: Operand, a: Operand, b: Operand): Operand;
export function where(cond: Operand, a: Operand, b: Operand): Operand {
  if (typeof cond === "number" && typeof a === "number" && typeof b === "number") {
    return cond !== 0 ? a : b;
  }
  const ct = tensorOf("where", cond, 0);
  const at = tensorOf("where", a, 1);
  const bt = tensorOf("where", b, 2);
  // Numbers are weak: with two numbers the result takes cond's dtype.
  const dtype = typeof a === "number" && typeof b === "number" ? ct.dtype : resultDType(a, b);
  let shape: number[];
  try {
    shape = broadcastShapes("where", broadcastShapes("where", ct.shape, at.shape), bt.shape);
  } catch {
    throw new Error(
      `where: shapes ${formatShape(ct.shape)}, ${formatShape(at.shape)} and ${formatShape(bt.shape)} cannot be broadcast`,
    );
  }
  const n = shapeSize(shape);
  const out = allocData(dtype, n);
  // Operands that are neither full-size nor scalars are expanded once; then each is read
  // with stride 1 (full) or 0 (scalar).
  const flat = (t: Tensor): TypedArray => (t.size === n || t.size === 1 ? t.data : broadcastTo(t, shape).data);
  const c = flat(ct);
  const x = flat(at);
  const y = flat(bt);
  const sc = c.length === n ? 1 : 0;
  const sx = x.length === n ? 1 : 0;
  const sy = y.length === n ? 1 : 0;
  for (let i = 0; i < n; i++) out[i] = c[i * sc] !== 0 ? x[i * sx] : y[i * sy];
  return new Tensor(out, shape);
}

// ---------------------------------------------------------------------------------------
// Elementwise unary operations

interface UnaryKernel {
  readonly name: string;
  readonly s: (x: number) => number;
  readonly v: (o: TypedArray, x: TypedArray, n: number) => void;
}

function unaryTensor(k: UnaryKernel, t: Tensor): Tensor {
  const out = allocData(t.dtype, t.size);
  k.v(out, t.data, t.size);
  return new Tensor(out, t.shape);
}

function unary(k: UnaryKernel, x: unknown): Operand {
  if (typeof x === "number") return k.s(x);
  return unaryTensor(k, asTensor(k.name, x, 0));
}

const IDENTITY: UnaryKernel = {
  name: "pow",
  s: (x) => x,
  v(o, x, n) {
    o.set(x.length === n ? x : x.subarray(0, n));
  },
};

const RECIPROCAL: UnaryKernel = {
  name: "pow",
  s: (x) => 1 / x,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = 1 / x[i];
  },
};

const CUBE: UnaryKernel = {
  name: "pow",
  s: (x) => x * x * x,
  v(o, x, n) {
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const x0 = x[i];
      const x1 = x[i + 1];
      const x2 = x[i + 2];
      const x3 = x[i + 3];
      o[i] = x0 * x0 * x0;
      o[i + 1] = x1 * x1 * x1;
      o[i + 2] = x2 * x2 * x2;
      o[i + 3] = x3 * x3 * x3;
    }
    for (; i < n; i++) {
      const v = x[i];
      o[i] = v * v * v;
    }
  },
};

const SQUARE: UnaryKernel = {
  name: "square",
  s: (x) => x * x,
  v(o, x, n) {
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const x0 = x[i];
      const x1 = x[i + 1];
      const x2 = x[i + 2];
      const x3 = x[i + 3];
      o[i] = x0 * x0;
      o[i + 1] = x1 * x1;
      o[i + 2] = x2 * x2;
      o[i + 3] = x3 * x3;
    }
    for (; i < n; i++) {
      const v = x[i];
      o[i] = v * v;
    }
  },
};

const NEG: UnaryKernel = {
  name: "neg",
  s: (x) => -x,
  v(o, x, n) {
    let i = 0;
    for (; i + 3 < n; i += 4) {
      o[i] = -x[i];
      o[i + 1] = -x[i + 1];
      o[i + 2] = -x[i + 2];
      o[i + 3] = -x[i + 3];
    }
    for (; i < n; i++) o[i] = -x[i];
  },
};

const EXP: UnaryKernel = {
  name: "exp",
  s: Math.exp,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]);
  },
};

const LOG: UnaryKernel = {
  name: "log",
  s: Math.log,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.log(x[i]);
  },
};

const LOG1P: UnaryKernel = {
  name: "log1p",
  s: Math.log1p,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]);
  },
};

const SIN: UnaryKernel = {
  name: "sin",
  s: Math.sin,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]);
  },
};

const COS: UnaryKernel = {
  name: "cos",
  s: Math.cos,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]);
  },
};

const TANH: UnaryKernel = {
  name: "tanh",
  s: Math.tanh,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]);
  },
};

const SQRT: UnaryKernel = {
  name: "sqrt",
  s: Math.sqrt,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]);
  },
};

const ABS: UnaryKernel = {
  name: "abs",
  s: Math.abs,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]);
  },
};

const SIGN: UnaryKernel = {
  name: "sign",
  s: Math.sign,
  v(o, x, n) {
    for (let i = 0; i < n; i++) o[i] = Math.sign(x[i]);
  },
};

// exp of a non-positive number only, so neither branch overflows.
function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const SIGMOID: UnaryKernel = {
  name: "sigmoid",
  s: sigmoidScalar,
  v(o, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (v >= 0) {
        o[i] = 1 / (1 + Math.exp(-v));
      } else {
        const e = Math.exp(v);
        o[i] = e / (1 + e);
      }
    }
  },
};

// `x <= 0 ? 0 : x` rather than `x > 0 ? x : 0` so NaN stays NaN.
const RELU: UnaryKernel = {
  name: "relu",
  s: (x) => (x <= 0 ? 0 : x),
  v(o, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      o[i] = v <= 0 ? 0 : v;
    }
  },
};

// max(x, 0) + log1p(exp(-|x|)): exp never overflows and large x gives x exactly.
const SOFTPLUS: UnaryKernel = {
  name: "softplus",
  s: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  v(o, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      o[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
  },
};

/**
 * -x.
 * @adjointPrimitive neg
 */
export function neg(x: number): number;
export function neg(x: Tensor): Tensor;
export function neg(x: Operand): Operand;
export function neg(x: Operand): Operand {
  return unary(NEG, x);
}

/**
 * e^x.
 * @adjointPrimitive exp
 */
export function exp(x: number): number;
export function exp(x: Tensor): Tensor;
export function exp(x: Operand): Operand;
export function exp(x: Operand): Operand {
  return unary(EXP, x);
}

/**
 * Natural logarithm (NaN below 0, -Infinity at 0).
 * @adjointPrimitive log
 */
export function log(x: number): number;
export function log(x: Tensor): Tensor;
export function log(x: Operand): Operand;
export function log(x: Operand): Operand {
  return unary(LOG, x);
}

/**
 * log(1 + x), accurate near 0.
 * @adjointPrimitive log1p
 */
export function log1p(x: number): number;
export function log1p(x: Tensor): Tensor;
export function log1p(x: Operand): Operand;
export function log1p(x: Operand): Operand {
  return unary(LOG1P, x);
}

/** @adjointPrimitive sin */
export function sin(x: number): number;
export function sin(x: Tensor): Tensor;
export function sin(x: Operand): Operand;
export function sin(x: Operand): Operand {
  return unary(SIN, x);
}

/** @adjointPrimitive cos */
export function cos(x: number): number;
export function cos(x: Tensor): Tensor;
export function cos(x: Operand): Operand;
export function cos(x: Operand): Operand {
  return unary(COS, x);
}

/** @adjointPrimitive tanh */
export function tanh(x: number): number;
export function tanh(x: Tensor): Tensor;
export function tanh(x: Operand): Operand;
export function tanh(x: Operand): Operand {
  return unary(TANH, x);
}

/** @adjointPrimitive sqrt */
export function sqrt(x: number): number;
export function sqrt(x: Tensor): Tensor;
export function sqrt(x: Operand): Operand;
export function sqrt(x: Operand): Operand {
  return unary(SQRT, x);
}

/** @adjointPrimitive abs */
export function abs(x: number): number;
export function abs(x: Tensor): Tensor;
export function abs(x: Operand): Operand;
export function abs(x: Operand): Operand {
  return unary(ABS, x);
}

/**
 * x * x.
 * @adjointPrimitive square
 */
export function square(x: number): number;
export function square(x: Tensor): Tensor;
export function square(x: Operand): Operand;
export function square(x: Operand): Operand {
  return unary(SQUARE, x);
}

/**
 * 1 / (1 + e^-x), computed without overflow for any x.
 * @adjointPrimitive sigmoid
 */
export function sigmoid(x: number): number;
export function sigmoid(x: Tensor): Tensor;
export function sigmoid(x: Operand): Operand;
export function sigmoid(x: Operand): Operand {
  return unary(SIGMOID, x);
}

/**
 * max(x, 0); NaN stays NaN.
 * @adjointPrimitive relu
 */
export function relu(x: number): number;
export function relu(x: Tensor): Tensor;
export function relu(x: Operand): Operand;
export function relu(x: Operand): Operand {
  return unary(RELU, x);
}

/**
 * log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so it never overflows.
 * @adjointPrimitive softplus
 */
export function softplus(x: number): number;
export function softplus(x: Tensor): Tensor;
export function softplus(x: Operand): Operand;
export function softplus(x: Operand): Operand {
  return unary(SOFTPLUS, x);
}

/**
 * -1, 0 or 1 (Math.sign: -0 stays -0, NaN stays NaN). Not differentiable.
 * @adjointPrimitive sign
 */
export function sign(x: number): number;
export function sign(x: Tensor): Tensor;
export function sign(x: Operand): Operand;
export function sign(x: Operand): Operand {
  return unary(SIGN, x);
}

// ---------------------------------------------------------------------------------------
// Reductions

export type Axis = number | readonly number[];

/**
 * The axes as sorted, distinct, non-negative indices; undefined/null means every axis.
 * Throws naming the op, the axis and the shape.
 */
export function normalizeAxes(op: string, axis: Axis | null | undefined, shape: Shape): number[] {
  const r = shape.length;
  if (axis === undefined || axis === null) return Array.from({ length: r }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  if (!Array.isArray(list)) throw new Error(`${op}: axis must be a number or an array of numbers`);
  const seen = new Array<boolean>(r).fill(false);
  const shown = typeof axis === "number" ? String(axis) : `[${list.join(",")}]`;
  for (const a of list) {
    if (typeof a !== "number" || !Number.isInteger(a) || a < -r || a >= r) {
      throw new Error(`${op}: axis ${shown} is out of range for shape ${formatShape(shape)}`);
    }
    const k = a < 0 ? a + r : a;
    if (seen[k]) throw new Error(`${op}: axis ${shown} repeats axis ${k} for shape ${formatShape(shape)}`);
    seen[k] = true;
  }
  const out: number[] = [];
  for (let i = 0; i < r; i++) if (seen[i]) out.push(i);
  return out;
}

/** How many elements each output element of a reduction over `axis` of `x` combines. */
export function reductionSize(x: Operand, axis?: Axis | null): number {
  if (typeof x === "number") {
    normalizeAxes("reductionSize", axis, []);
    return 1;
  }
  let n = 1;
  for (const a of normalizeAxes("reductionSize", axis, x.shape)) n *= x.shape[a];
  return n;
}

/** The shape of a reduction's result. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!axes.includes(d)) out.push(shape[d]);
    else if (keepDims) out.push(1);
  }
  return out;
}

// Plain constants rather than a const enum, which per-file transpilers (vitest) handle differently.
const SUM = 0;
const MAX = 1;
const SUM_EXP = 2;
type Mode = typeof SUM | typeof MAX | typeof SUM_EXP;

/**
 * Reduces `x` over a set of axes into a float64 accumulator (one slot per output element).
 * SUM_EXP adds exp(x - shift[o]). Dims are merged into runs of reduced/kept axes so
 * the inner loop is as long as possible.
 */
function reduceInto(
  mode: Mode,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  acc: Float64Array,
  shift?: Float64Array,
): void {
  const n = x.length;
  if (n === 0) return;
  const dims: number[] = [];
  const red: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const r = axes.includes(d);
    if (dims.length > 0 && red[red.length - 1] === r) dims[dims.length - 1] *= shape[d];
    else {
      dims.push(shape[d]);
      red.push(r);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    red.push(true);
  }
  // Output strides: reduced dims contribute nothing.
  const nd = dims.length;
  const ostr = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    ostr[d] = red[d] ? 0 : s;
    if (!red[d]) s *= dims[d];
  }
  const inner = dims[nd - 1];
  const innerReduced = red[nd - 1];
  const nOuter = nd - 1;
  const idx = new Int32Array(Math.max(nOuter, 1));
  const pos = [0];
  const strides = [ostr];
  for (let i = 0; i < n; i += inner) {
    const o = pos[0];
    if (innerReduced) {
      if (mode === SUM) {
        let s = 0;
        for (let j = 0; j < inner; j++) s += x[i + j];
        acc[o] += s;
      } else if (mode === MAX) {
        let m = acc[o];
        for (let j = 0; j < inner; j++) if (x[i + j] > m) m = x[i + j];
        acc[o] = m;
      } else {
        const sh = shift![o];
        let s = 0;
        for (let j = 0; j < inner; j++) s += Math.exp(x[i + j] - sh);
        acc[o] += s;
      }
    } else if (mode === SUM) {
      for (let j = 0; j < inner; j++) acc[o + j] += x[i + j];
    } else if (mode === MAX) {
      for (let j = 0; j < inner; j++) if (x[i + j] > acc[o + j]) acc[o + j] = x[i + j];
    } else {
      for (let j = 0; j < inner; j++) acc[o + j] += Math.exp(x[i + j] - shift![o + j]);
    }
    advance(idx, dims, strides, pos, nOuter);
  }
}

/** Sum of every element, four accumulators to break the add dependency chain. */
function sumAll(x: TypedArray): number {
  const n = x.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return s0 + s1 + (s2 + s3);
}

function finish(acc: Float64Array, dtype: DType, shape: Shape): Tensor {
  if (dtype === "float64") return new Tensor(acc, shape);
  const out = new Float32Array(acc.length);
  out.set(acc);
  return new Tensor(out, shape);
}

type ReduceKind = "sum" | "mean" | "logSumExp";

function reduce(kind: ReduceKind, x: unknown, axis: Axis | null | undefined, keepDims: boolean): Operand {
  const isNumber = typeof x === "number";
  const t = tensorOf(kind, x, 0);
  const axes = normalizeAxes(kind, axis, t.shape);
  const shape = reducedShape(t.shape, axes, keepDims);
  const m = shapeSize(shape);
  let count = 1;
  for (const a of axes) count *= t.shape[a];
  const acc = new Float64Array(m);
  const all = m === 1;
  if (kind === "logSumExp") {
    // Shift by the max so exp never overflows; an infinite max (all -Infinity, or a
    // +Infinity present) shifts by 0, which gives -Infinity / +Infinity instead of NaN.
    const shift = new Float64Array(m).fill(-Infinity);
    reduceInto(MAX, t.data, t.shape, axes, shift);
    for (let o = 0; o < m; o++) if (!Number.isFinite(shift[o])) shift[o] = 0;
    reduceInto(SUM_EXP, t.data, t.shape, axes, acc, shift);
    for (let o = 0; o < m; o++) acc[o] = Math.log(acc[o]) + shift[o];
  } else {
    if (all) acc[0] = sumAll(t.data);
    else reduceInto(SUM, t.data, t.shape, axes, acc);
    if (kind === "mean") for (let o = 0; o < m; o++) acc[o] /= count;
  }
  if (isNumber) return acc[0];
  return finish(acc, t.dtype, shape);
}

/**
 * Sum over `axis` (a number or array; negative counts from the end; default every axis).
 * @adjointPrimitive sum
 */
export function sum(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function sum(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function sum(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function sum(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("sum", x, axis, keepDims);
}

/**
 * Mean over `axis` (NaN for an empty reduction, as 0/0).
 * @adjointPrimitive mean
 */
export function mean(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function mean(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function mean(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function mean(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("mean", x, axis, keepDims);
}

/**
 * log(sum(exp(x))) over `axis`, computed stably; an all -Infinity slice gives -Infinity.
 * @adjointPrimitive logSumExp
 */
export function logSumExp(x: number, axis?: Axis | null, keepDims?: boolean): number;
export function logSumExp(x: Tensor, axis?: Axis | null, keepDims?: boolean): Tensor;
export function logSumExp(x: Operand, axis?: Axis | null, keepDims?: boolean): Operand;
export function logSumExp(x: Operand, axis?: Axis | null, keepDims = false): Operand {
  return reduce("logSumExp", x, axis, keepDims);
}

// ---------------------------------------------------------------------------------------
// Shape operations

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

// ---------------------------------------------------------------------------------------
// Linear algebra

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

// ---------------------------------------------------------------------------------------
// Classification helpers

/**
 * log(softmax(x)) along `axis` (default the last), computed stably as x − logSumExp(x).
 * @adjointPrimitive logSoftmax
 */
export function logSoftmax(x: Tensor, axis?: number): Tensor;
export function logSoftmax(x: Operand, axis?: number): Operand;
export function logSoftmax(x: Operand, axis = -1): Operand {
  if (typeof x === "number") return 0;
  return sub(x, logSumExp(x, axis, true));
}

/**
 * The rows `indices` of `x` (its first axis), in that order; rows may repeat. For
 * minibatches: gather(x, batchIndices).
 * @adjointPrimitive gather
 */
export function gather(x: Tensor, indices: readonly number[]): Tensor {
  const t = asTensor("gather", x, 0);
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
