// Forward mode's runtime helpers (runtime/internal/tangents.ts): broadcasting a tangent to its
// result's shape and dtype, and zero and ones tangents shaped like any parameter.
import { describe, expect, it } from "vitest";
import { Tensor, tensor, zeros } from "../../runtime/tensor";
import { broadcastLike, onesTangent, zeroTangent } from "../../runtime/internal";
import { expectTensor } from "./helpers";

describe("broadcastLike", () => {
  it("gives a number back as it is when the result is a number", () => {
    expect(broadcastLike(2.5, 1)).toBe(2.5);
    const t = tensor([1, 2]);
    expect(broadcastLike(t, 3)).toBe(t);
  });

  it("fills like's shape with a number, float32 only for a float32 like", () => {
    expectTensor(broadcastLike(2, zeros([2, 3])), [2, 3], "float64", [2, 2, 2, 2, 2, 2]);
    expectTensor(broadcastLike(0.1, zeros([2], "float32")), [2], "float32", [Math.fround(0.1), Math.fround(0.1)], 0, 0);
    expectTensor(broadcastLike(7, zeros([])), [], "float64", [7]);
  });

  it("broadcasts rows, columns and leading dims by NumPy's rules", () => {
    const row = tensor([1, 2, 3]);
    expectTensor(broadcastLike(row, zeros([2, 3])), [2, 3], "float64", [1, 2, 3, 1, 2, 3]);
    const col = tensor([[1], [2]]);
    expectTensor(broadcastLike(col, zeros([2, 3])), [2, 3], "float64", [1, 1, 1, 2, 2, 2]);
    expectTensor(broadcastLike(tensor(5), zeros([2, 2])), [2, 2], "float64", [5, 5, 5, 5]);
    expectTensor(broadcastLike(tensor([[4]]), zeros([2, 1, 2])), [2, 1, 2], "float64", [4, 4, 4, 4]);
  });

  it("promotes dtypes: float32 only when both are float32", () => {
    const t32 = tensor([1, 2, 3], { dtype: "float32" });
    expectTensor(broadcastLike(t32, zeros([2, 3], "float32")), [2, 3], "float32", [1, 2, 3, 1, 2, 3]);
    expectTensor(broadcastLike(t32, zeros([2, 3], "float64")), [2, 3], "float64", [1, 2, 3, 1, 2, 3]);
    expectTensor(broadcastLike(tensor([0.1, 2, 3]), zeros([1, 3], "float32")), [1, 3], "float64", [0.1, 2, 3]);
  });

  it("returns a new tensor even when the shapes already agree, and leaves its input alone", () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const out = broadcastLike(t, zeros([2, 2])) as Tensor;
    expect(out).not.toBe(t);
    expect(out.data).not.toBe(t.data);
    expectTensor(out, [2, 2], "float64", [1, 2, 3, 4]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4]);
  });

  it("throws naming the tangent's shape and its value's unless t broadcasts to exactly like's shape", () => {
    expect(() => broadcastLike(tensor([1, 2, 3]), zeros([2, 4]))).toThrow(
      "A tangent of shape [3] does not fit its value's shape [2,4] (a jvp tangent or an hvp vector of the wrong shape?)",
    );
    // [3] and [2,1] broadcast, but to [2,3], not to like's [2,1].
    expect(() => broadcastLike(tensor([1, 2, 3]), zeros([2, 1]))).toThrow(/tangent of shape \[3\].*\[2,1\]/);
    expect(() => broadcastLike(zeros([2, 3]), zeros([3]))).toThrow(/tangent of shape \[2,3\].*\[3\]/);
    expect(() => broadcastLike(undefined as never, zeros([3]))).toThrow(
      "jvp: a tangent is undefined (a missing argument?)",
    );
  });
});

describe("zeroTangent and onesTangent", () => {
  it("make a leaf of the same kind, shape and dtype", () => {
    expect(zeroTangent(3.5)).toBe(0);
    expect(onesTangent(3.5)).toBe(1);
    const t = tensor([[1, 2, 3]], { dtype: "float32" });
    expectTensor(zeroTangent(t), [1, 3], "float32", [0, 0, 0]);
    expectTensor(onesTangent(t), [1, 3], "float32", [1, 1, 1]);
    expectTensor(onesTangent(tensor(2)), [], "float64", [1]);
    const f64 = zeroTangent(new Float64Array([1, 2]));
    expect(f64).toBeInstanceOf(Float64Array);
    expect(Array.from(f64)).toEqual([0, 0]);
    const f32 = onesTangent(new Float32Array([1, 2, 3]));
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f32)).toEqual([1, 1, 1]);
    expect(zeroTangent([4, 5, 6])).toEqual([0, 0, 0]);
    expect(onesTangent([4, 5, 6])).toEqual([1, 1, 1]);
    expect(onesTangent([])).toEqual([]);
  });

  it("are new values: the input is neither returned nor changed", () => {
    const x = [4, 5];
    const t = tensor([1, 2]);
    expect(onesTangent(x)).not.toBe(x);
    expect(zeroTangent(t)).not.toBe(t);
    expect(x).toEqual([4, 5]);
    expect(Array.from(t.data)).toEqual([1, 2]);
  });

  it("keep a structure's shape, leaving out what has no tangent, as a gradient does", () => {
    const params = {
      w: tensor([1, 2]),
      layers: [{ b: new Float64Array([1, 2, 3]), scale: 2 }],
      pair: [3, [1, 2]] as const,
      name: "model",
    };
    const zero = zeroTangent(params);
    expectTensor(zero.w, [2], "float64", [0, 0]);
    expect(Array.from(zero.layers[0]!.b)).toEqual([0, 0, 0]);
    expect(zero.layers[0]!.scale).toBe(0);
    expect(zero.pair).toEqual([0, [0, 0]]);
    expect(zero).not.toHaveProperty("name");
    const one = onesTangent(params);
    expectTensor(one.w, [2], "float64", [1, 1]);
    expect(one.layers[0]!.b).toBeInstanceOf(Float64Array);
    expect(Array.from(one.layers[0]!.b)).toEqual([1, 1, 1]);
    expect(one.layers[0]!.scale).toBe(1);
    expect(one.pair).toEqual([1, [1, 1]]);
    expect(one).not.toHaveProperty("name");
  });

  it("name themselves when a structure contains itself", () => {
    const loop: { x: number; self?: unknown } = { x: 1 };
    loop.self = loop;
    expect(() => onesTangent(loop)).toThrow(/onesTangent/);
    expect(() => zeroTangent(loop)).toThrow(/contains itself/);
  });
});
