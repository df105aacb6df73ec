// The MLP step written by hand with plain loops: the loss of bench/mlp-loss.ts
// (784 → 256 tanh → 10, softmax cross-entropy, mean over the batch) and its gradient with
// respect to w1, b1, w2, b2. Float32 inputs and outputs; intermediates in float64, as a
// JavaScript number computes anyway. The products are i-p-j loops that accumulate a row
// (no blocking, no transposed copies): what a careful user writes without a library.

export interface MlpShape {
  readonly batch: number;
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
}

export interface MlpData {
  readonly w1: Float32Array; // inputs × hidden
  readonly b1: Float32Array; // hidden
  readonly w2: Float32Array; // hidden × classes
  readonly b2: Float32Array; // classes
  readonly x: Float32Array; // batch × inputs
  readonly y: Float32Array; // batch × classes, one-hot
}

interface Forward {
  readonly h: Float64Array; // batch × hidden, tanh(x·w1 + b1)
  readonly logits: Float64Array; // batch × classes
  readonly lse: Float64Array; // batch, log Σ exp(logits)
  readonly loss: number;
}

function forward(s: MlpShape, d: MlpData): Forward {
  const { batch: B, inputs: K, hidden: H, classes: C } = s;
  const { w1, b1, w2, b2, x, y } = d;
  const h = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    const row = b * H;
    for (let j = 0; j < H; j++) h[row + j] = b1[j]!;
    for (let k = 0; k < K; k++) {
      const xv = x[b * K + k]!;
      const w = k * H;
      for (let j = 0; j < H; j++) h[row + j]! += xv * w1[w + j]!;
    }
    for (let j = 0; j < H; j++) h[row + j] = Math.tanh(h[row + j]!);
  }
  const logits = new Float64Array(B * C);
  const lse = new Float64Array(B);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const row = b * C;
    for (let c = 0; c < C; c++) logits[row + c] = b2[c]!;
    for (let j = 0; j < H; j++) {
      const hv = h[b * H + j]!;
      for (let c = 0; c < C; c++) logits[row + c]! += hv * w2[j * C + c]!;
    }
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[row + c]!);
    let total = 0;
    for (let c = 0; c < C; c++) total += Math.exp(logits[row + c]! - max);
    lse[b] = max + Math.log(total);
    let picked = 0;
    for (let c = 0; c < C; c++) picked += y[row + c]! * logits[row + c]!;
    loss += lse[b]! - picked;
  }
  return { h, logits, lse, loss: loss / B };
}

/** The loss alone (the primal). */
export function mlpLossHand(s: MlpShape, d: MlpData): number {
  return forward(s, d).loss;
}

/** [dw1, db1, dw2, db2]. */
export function mlpGradHand(s: MlpShape, d: MlpData): Float32Array[] {
  const { batch: B, inputs: K, hidden: H, classes: C } = s;
  const { w2, x, y } = d;
  const { h, logits, lse } = forward(s, d);
  // d loss / d logits = (softmax − y) / B
  const dLogits = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const i = b * C + c;
      dLogits[i] = (Math.exp(logits[i]! - lse[b]!) - y[i]!) / B;
    }
  }
  const db2 = new Float32Array(C);
  const dw2 = new Float64Array(H * C);
  const dz = new Float64Array(B * H); // d loss / d (x·w1 + b1)
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) db2[c]! += dLogits[b * C + c]!;
    for (let j = 0; j < H; j++) {
      const hv = h[b * H + j]!;
      let dh = 0;
      for (let c = 0; c < C; c++) {
        const g = dLogits[b * C + c]!;
        dw2[j * C + c]! += hv * g;
        dh += g * w2[j * C + c]!;
      }
      dz[b * H + j] = dh * (1 - hv * hv);
    }
  }
  const db1 = new Float64Array(H);
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) db1[j]! += dz[b * H + j]!;
  // dw1 = xᵀ·dz, one row of dw1 at a time
  const dw1 = new Float32Array(K * H);
  const acc = new Float64Array(H);
  for (let k = 0; k < K; k++) {
    acc.fill(0);
    for (let b = 0; b < B; b++) {
      const xv = x[b * K + k]!;
      const row = b * H;
      for (let j = 0; j < H; j++) acc[j]! += xv * dz[row + j]!;
    }
    dw1.set(acc, k * H);
  }
  return [dw1, Float32Array.from(db1), Float32Array.from(dw2), db2];
}
