// Programs that use matmul with a leading batch dimension, compiled by the transformer and
// differentiated through grad / vjp, against central finite differences in float64: a
// batched linear layer with a weight and bias shared by the batch, losses that sum over an
// axis, a shared left operand, attention (q·kᵀ, softmax, ·v), a loop carrying a batch, and
// float32 operands. matmul's result has a shape of its own for the transformer's shape
// analysis (its rule claims none), so a shared operand's gradient is always reduced by the
// runtime (matmulGradA/B sum over the batch), never assumed to have the result's shape.
import { describe, expect, it } from "vitest";
import { randomNormal, tensor, type Tensor } from "../runtime";
import { compile } from "./harness";

const program = compile(`
import { grad, vjp, Tensor, add, sub, mul, tanh, square, sum, mean, matmul, transpose, logSoftmax, exp, reshape } from "adjoint";

// A linear layer over a batch of sequences: x (B,T,k) · w (k,n) + bias (n).
export const linear = (x: Tensor, w: Tensor, bias: Tensor, target: Tensor) =>
  mean(square(sub(tanh(add(matmul(x, w), bias)), target)));
export const dLinear = grad(linear, { wrt: [0, 1, 2] });

// Summed over the last axis, then weighted per (batch, row).
export const rows = (a: Tensor, b: Tensor, c: Tensor) => sum(mul(sum(matmul(a, b), -1), c));
export const dRows = grad(rows, { wrt: [0, 1] });

// Summed over the batch axis with kept dimensions: a shared left operand (m,k) · (B,k,n).
export const shared = (a: Tensor, b: Tensor) => sum(square(sum(matmul(a, b), 0, true)));
export const dShared = grad(shared, { wrt: [0, 1] });

// Attention: softmax(q·kᵀ)·v, kᵀ by transpose(k, [0, 2, 1]).
export const attention = (q: Tensor, k: Tensor, v: Tensor, w: Tensor) => {
  const p = exp(logSoftmax(mul(matmul(q, transpose(k, [0, 2, 1])), 0.5), -1));
  return sum(mul(matmul(p, v), w));
};
export const dAttention = grad(attention, { wrt: [0, 1, 2] });

// 1-D operands with a 3-D one, and a batch of 1 broadcast against a batch of 3.
export const vectors = (u: Tensor, a: Tensor, v: Tensor, one: Tensor) =>
  add(sum(square(matmul(u, a))), add(sum(tanh(matmul(a, v))), sum(square(matmul(one, a)))));
export const dVectors = grad(vectors, { wrt: [0, 1, 2, 3] });

// A loop carrying a batch of states through a shared weight.
export const recurrent = (h0: Tensor, w: Tensor, n: number) => {
  let h = h0;
  for (let i = 0; i < n; i++) h = tanh(matmul(h, w));
  return sum(mul(h, h));
};
export const dRecurrent = grad(recurrent, { wrt: [0, 1] });

// A seed of the result's shape, and a reshape to a batch.
export const flat = (x: Tensor, w: Tensor) => matmul(reshape(x, [2, 3, 4]), w);
export const pullback = vjp(flat, { wrt: [0, 1] });
`);

const p = program.run();

/** The loss's central differences with respect to every element of argument i (all float64). */
function finiteDifferences(f: (...args: any[]) => Tensor | number, args: unknown[], i: number, h = 1e-6): number[] {
  const x = args[i] as Tensor;
  const at = (k: number, delta: number): number => {
    const data = Float64Array.from(x.data);
    data[k]! += delta;
    const copy = [...args];
    copy[i] = tensor(data, { shape: x.shape });
    const y = f(...copy);
    return typeof y === "number" ? y : y.item();
  };
  return Array.from({ length: x.size }, (_, k) => (at(k, h) - at(k, -h)) / (2 * h));
}

function expectGradients(
  f: (...args: any[]) => Tensor | number,
  grads: Tensor[],
  args: unknown[],
  wrt: number[],
): void {
  wrt.forEach((i, n) => {
    const x = args[i] as Tensor;
    const g = grads[n]!;
    expect(g.shape, `shape of gradient ${i}`).toEqual(x.shape);
    expect(g.dtype).toBe(x.dtype);
    const expected = finiteDifferences(f, args, i);
    Array.from(g.data).forEach((v, e) =>
      expect(Math.abs(v - expected[e]!), `d/d(argument ${i})[${e}]: ${v} vs ${expected[e]}`).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(expected[e]!)),
      ),
    );
  });
}

const normal = (shape: number[], seed: number, scale = 1): Tensor => {
  const t = randomNormal(shape, { seed });
  return tensor(
    Float64Array.from(t.data, (v) => v * scale),
    { shape },
  );
};

describe("grad through batched matmul", () => {
  it("compiles without diagnostics or type errors", () => {
    expect(program.codes).toEqual([]);
    expect(program.typeErrors).toEqual([]);
  });

  it("a batched linear layer: the weight and bias shared by the batch get its sum", () => {
    const args = [normal([3, 5, 4], 1), normal([4, 6], 2, 0.5), normal([6], 3), normal([3, 5, 6], 4)];
    expectGradients(p.linear, p.dLinear(...args), args, [0, 1, 2]);
  });

  it("a loss summed over an axis, and over the batch axis with a shared left operand", () => {
    const rowArgs = [normal([2, 3, 5], 5), normal([2, 5, 4], 6), normal([2, 3], 7)];
    expectGradients(p.rows, p.dRows(...rowArgs), rowArgs, [0, 1]);
    const sharedArgs = [normal([3, 5], 8), normal([4, 5, 2], 9)];
    expectGradients(p.shared, p.dShared(...sharedArgs), sharedArgs, [0, 1]);
  });

  it("attention: q·kᵀ through a transpose, softmax, ·v", () => {
    const args = [normal([2, 4, 3], 10), normal([2, 4, 3], 11), normal([2, 4, 5], 12), normal([2, 4, 5], 13)];
    expectGradients(p.attention, p.dAttention(...args), args, [0, 1, 2]);
  });

  it("1-D operands with a 3-D one, and a batch of 1 against a batch of 3", () => {
    const args = [normal([4], 14), normal([3, 4, 5], 15), normal([5], 16), normal([1, 2, 4], 17)];
    expectGradients(p.vectors, p.dVectors(...args), args, [0, 1, 2, 3]);
  });

  it("a loop carrying a batch of states through a shared weight", () => {
    const args = [normal([3, 2, 4], 18), normal([4, 4], 19, 0.6), 5];
    expectGradients(p.recurrent, p.dRecurrent(...args), args, [0, 1]);
  });

  it("vjp with a seed of the batched result's shape", () => {
    const x = normal([6, 4], 20);
    const w = normal([4, 3], 21);
    const seed = normal([2, 3, 3], 22);
    const [dx, dw] = p.pullback(x, w, seed) as Tensor[];
    const loss = (x2: Tensor, w2: Tensor): number =>
      Array.from((p.flat(x2, w2) as Tensor).data).reduce((s, v, i) => s + v * seed.data[i]!, 0);
    expectGradients(loss, [dx!, dw!], [x, w], [0, 1]);
  });

  it("float32 operands get float32 gradients, close to the float64 ones", () => {
    const args64 = [normal([3, 5, 4], 23), normal([4, 6], 24, 0.5), normal([6], 25), normal([3, 5, 6], 26)];
    const args32 = args64.map((t) => tensor(t, { dtype: "float32" }));
    const g64 = p.dLinear(...args64) as Tensor[];
    const g32 = p.dLinear(...args32) as Tensor[];
    g32.forEach((g, i) => {
      expect(g.dtype).toBe("float32");
      expect(g.shape).toEqual(g64[i]!.shape);
      Array.from(g.data).forEach((v, e) => expect(Math.abs(v - g64[i]!.data[e]!)).toBeLessThan(1e-5));
    });
  });
});
