// The same gradient as one hand-written fused loop: dx[i] = 2x[i] + 3x[i]², one pass over the
// input into a fresh typed array of the input's type (arithmetic in float64, rounded on store).

export function dModifiedLoop32(x: Float32Array): Float32Array {
  const n = x.length;
  const dx = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    dx[i] = 2 * v + 3 * v * v;
  }
  return dx;
}

export function dModifiedLoop64(x: Float64Array): Float64Array {
  const n = x.length;
  const dx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    dx[i] = 2 * v + 3 * v * v;
  }
  return dx;
}

/** The value, sum(x² + x³ − x³), as one hand-written loop (the primal the gradient is compared with). */
export function modifiedLoop(x: Float32Array | Float64Array): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const cube = v * v * v;
    total += v * v + cube - cube;
  }
  return total;
}
