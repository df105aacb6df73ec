// Naive reference implementations and comparison helpers for the runtime tests. These are
// written for obviousness (multi-index arithmetic per element), not speed.

import { expect } from "vitest";
import { Tensor, type DType, type Shape, randomUniform } from "../../runtime/tensor";

export function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: Shape): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

/** The flat index into an operand of `shape` for output multi-index `idx` (NumPy broadcasting). */
export function broadcastIndex(idx: readonly number[], shape: Shape): number {
  const lead = idx.length - shape.length;
  const own = shape.map((d, k) => (d === 1 ? 0 : idx[k + lead]));
  return ravel(own, shape);
}

export function refBroadcastShape(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[i - (n - a.length)] ?? 1;
    const db = b[i - (n - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error("reference: not broadcastable");
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Elementwise reference: f applied per output element, rounded to `dtype`. */
export function refBinary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, dtype: DType): number[] {
  const shape = refBroadcastShape(a.shape, b.shape);
  const out: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    const v = f(a.data[broadcastIndex(idx, a.shape)], b.data[broadcastIndex(idx, b.shape)]);
    out.push(dtype === "float32" ? Math.fround(v) : v);
  }
  return out;
}

/** Reduction reference over `axes` (non-negative) with a combine over the reduced values. */
export function refReduce(
  x: Tensor,
  axes: number[],
  keepDims: boolean,
  f: (vals: number[]) => number,
): { shape: number[]; data: number[] } {
  const outShapeKeep = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const groups: number[][] = Array.from({ length: size(outShapeKeep) }, () => []);
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, x.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    groups[ravel(idx, outShapeKeep)].push(x.data[i]);
  }
  const shape = keepDims ? outShapeKeep : x.shape.filter((_, k) => !axes.includes(k));
  return { shape, data: groups.map(f) };
}

export function randomTensor(shape: Shape, seed: number, dtype: DType = "float64", low = -2, high = 2): Tensor {
  return randomUniform(shape, { seed, dtype, low, high });
}

/** Compares flat values with NaN matching NaN and ±Infinity matching exactly. */
export function expectValues(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-12, atol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(a, `element ${i}`).toBe(e);
    } else if (Math.abs(a - e) > atol + rtol * Math.abs(e)) {
      expect.fail(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

export function expectTensor(
  t: unknown,
  shape: Shape,
  dtype: DType,
  values?: ArrayLike<number>,
  rtol?: number,
  atol?: number,
): void {
  expect(t).toBeInstanceOf(Tensor);
  const x = t as Tensor;
  expect(x.shape).toEqual(shape);
  expect(x.dtype).toBe(dtype);
  expect(x.data).toBeInstanceOf(dtype === "float32" ? Float32Array : Float64Array);
  if (values) expectValues(x.data, values, rtol, atol);
}

/** Central finite differences of a scalar function of a float64 tensor. */
export function numericGrad(f: (x: Tensor) => number, x: Tensor, h = 1e-6): Float64Array {
  const g = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const plus = new Float64Array(x.data);
    const minus = new Float64Array(x.data);
    plus[i] += h;
    minus[i] -= h;
    g[i] = (f(new Tensor(plus, x.shape)) - f(new Tensor(minus, x.shape))) / (2 * h);
  }
  return g;
}
