import { describe, it, expect } from "vitest";
import {
  Tensor,
  broadcastShapes,
  cast,
  full,
  isTensor,
  ones,
  onesLike,
  randomNormal,
  randomUniform,
  resultDType,
  tensor,
  zeros,
  zerosLike,
} from "../../runtime/tensor";
import { Xoshiro128 } from "../../runtime/random";
import { expectTensor } from "./helpers";

describe("tensor()", () => {
  it("makes a 0-d tensor from a number", () => {
    const t = tensor(3.5);
    expectTensor(t, [], "float64", [3.5]);
    expect(t.size).toBe(1);
    expect(t.ndim).toBe(0);
  });

  it("reads rectangular nested arrays row-major", () => {
    expectTensor(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      [2, 3],
      "float64",
      [1, 2, 3, 4, 5, 6],
    );
    expectTensor(
      tensor([
        [[1], [2]],
        [[3], [4]],
      ]),
      [2, 2, 1],
      "float64",
      [1, 2, 3, 4],
    );
    expectTensor(tensor([]), [0], "float64", []);
    expectTensor(tensor([[], []]), [2, 0], "float64", []);
  });

  it("names the ragged position of non-rectangular input", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged.*\[1\].*length 1, expected 2/);
    expect(() =>
      tensor([
        [1, 2],
        [3, [4]],
      ] as never),
    ).toThrow(/\[1, 1\].*expected a number/);
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/ragged.*\[1\] is a number, expected an array of length 2/);
    expect(() => tensor([1, "x"] as never)).toThrow(/\[1\] is a string/);
  });

  it("defaults to float64, float32 for a Float32Array, and honours dtype", () => {
    expect(tensor([1, 2]).dtype).toBe("float64");
    expect(tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("float64");
    expectTensor(tensor(new Float32Array([1.5, 2])), [2], "float32", [1.5, 2]);
    expectTensor(tensor([0.1], { dtype: "float32" }), [1], "float32", [Math.fround(0.1)]);
    expectTensor(tensor(new Float32Array([1]), { dtype: "float64" }), [1], "float64", [1]);
    expect(() => tensor(1, { dtype: "int32" as never })).toThrow(/dtype/);
  });

  it("copies typed arrays, so later writes to the source do not leak in", () => {
    const src = new Float64Array([1, 2, 3]);
    const t = tensor(src);
    src[0] = 99;
    expect(t.data[0]).toBe(1);
  });

  it("reshapes flat values with `shape`, which must match the count", () => {
    expectTensor(
      tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }),
      [2, 3],
      "float32",
      [1, 2, 3, 4, 5, 6],
    );
    expectTensor(tensor([1, 2, 3, 4], { shape: [2, -1] }), [2, 2], "float64");
    expectTensor(tensor(7, { shape: [1, 1] }), [1, 1], "float64", [7]);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/\[3\].*\[2,2\]/);
  });

  it("copies and casts another tensor", () => {
    const a = tensor([1, 2], { dtype: "float32" });
    const b = tensor(a);
    expect(b.dtype).toBe("float32");
    expect(b.data).not.toBe(a.data);
    expect(tensor(a, { dtype: "float64" }).dtype).toBe("float64");
  });
});

describe("creation helpers", () => {
  it("zeros / ones / full", () => {
    expectTensor(zeros([2, 3]), [2, 3], "float64", [0, 0, 0, 0, 0, 0]);
    expectTensor(ones([2], "float32"), [2], "float32", [1, 1]);
    expectTensor(full([2, 2], -1.5), [2, 2], "float64", [-1.5, -1.5, -1.5, -1.5]);
    expectTensor(full([], 4), [], "float64", [4]);
    expectTensor(zeros(3), [3], "float64", [0, 0, 0]);
    expect(() => zeros([2, -1])).toThrow(/zeros: invalid shape \[2,-1\]/);
    expect(() => ones([1.5])).toThrow(/invalid shape/);
  });

  it("zerosLike / onesLike keep shape and dtype, and map numbers to numbers", () => {
    const t = tensor([[1, 2]], { dtype: "float32" });
    expectTensor(zerosLike(t), [1, 2], "float32", [0, 0]);
    expectTensor(onesLike(t), [1, 2], "float32", [1, 1]);
    expectTensor(onesLike(t, "float64"), [1, 2], "float64", [1, 1]);
    expect(zerosLike(5)).toBe(0);
    expect(onesLike(5)).toBe(1);
  });

  it("the Tensor constructor checks the data length against the shape", () => {
    expect(() => new Tensor(new Float64Array(3), [2, 2])).toThrow(/\[2,2\] needs 4 elements but the data has 3/);
    expect(new Tensor(new Float32Array(4), [2, 2]).dtype).toBe("float32");
  });

  it("shape is frozen", () => {
    const t = zeros([2, 2]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });
});

describe("toArray / item / toString", () => {
  it("toArray gives nested arrays, a number for 0-d", () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toArray(),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor([[[1], [2]]]).toArray()).toEqual([[[1], [2]]]);
    expect(tensor(2.5).toArray()).toBe(2.5);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).toArray()).toEqual([]);
  });

  it("item gives the value of a size-1 tensor and names the size otherwise", () => {
    expect(tensor(3).item()).toBe(3);
    expect(tensor([[4]]).item()).toBe(4);
    expect(() => tensor([1, 2, 3]).item()).toThrow(/3 elements.*\[3\]/);
  });

  it("toString reads like NumPy's repr", () => {
    expect(String(tensor([0.5, -1.2]))).toBe("tensor([0.5, -1.2])");
    expect(
      String(
        tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: "float32" },
        ),
      ),
    ).toBe("tensor([[1, 2], [3, 4]], dtype=float32)");
    expect(String(tensor(3.5))).toBe("tensor(3.5)");
    expect(String(tensor([0.1, 0.2], { dtype: "float32" }))).toBe("tensor([0.1, 0.2], dtype=float32)");
    expect(String(tensor([NaN, Infinity, -Infinity, 1]))).toBe("tensor([NaN, Infinity, -Infinity, 1])");
    expect(String(tensor([1 / 3]))).toBe("tensor([0.33333333])");
    expect(String(tensor([1e-7, 0.5]))).toBe("tensor([1e-07, 5e-01])");
    expect(String(zeros([0, 3]))).toBe("tensor([], shape=[0, 3])");
    expect(String(zeros([0]))).toBe("tensor([])");
  });

  it("toString wraps long rows and aligns columns", () => {
    const s = String(tensor(Array.from({ length: 30 }, (_, i) => i * 1000)));
    const lines = s.split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(76);
    expect(lines[0].startsWith("tensor([    0,  1000,")).toBe(true);
    expect(
      String(randomNormal([3, 8], { seed: 1 }))
        .split("\n")[1]
        .startsWith("         "),
    ).toBe(true);
  });

  it("toString summarizes big tensors", () => {
    const s = String(zeros([100, 100]));
    expect(s).toContain("...");
    expect(s.length).toBeLessThan(400);
  });
});

describe("helpers", () => {
  it("isTensor", () => {
    expect(isTensor(zeros([1]))).toBe(true);
    expect(isTensor(1)).toBe(false);
    expect(isTensor([1])).toBe(false);
    expect(isTensor(null)).toBe(false);
  });

  it("resultDType follows the promotion table", () => {
    const f32 = zeros([1], "float32");
    const f64 = zeros([1]);
    expect(resultDType(f32, f32)).toBe("float32");
    expect(resultDType(f32, 2)).toBe("float32");
    expect(resultDType(2, f32)).toBe("float32");
    expect(resultDType(f32, f64)).toBe("float64");
    expect(resultDType(f64, f32)).toBe("float64");
    expect(resultDType(f64, 2)).toBe("float64");
    expect(resultDType(2, 3)).toBe("float64");
  });

  it("broadcastShapes follows NumPy and names the op and shapes on a mismatch", () => {
    expect(broadcastShapes("add", [2, 3], [3])).toEqual([2, 3]);
    expect(broadcastShapes("add", [2, 1], [1, 3])).toEqual([2, 3]);
    expect(broadcastShapes("add", [], [4, 5])).toEqual([4, 5]);
    expect(broadcastShapes("add", [5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
    expect(broadcastShapes("add", [0], [1])).toEqual([0]);
    expect(() => broadcastShapes("add", [2, 3], [4])).toThrow("add: shapes [2,3] and [4] cannot be broadcast");
  });

  it("cast converts dtype and returns the same tensor when unchanged", () => {
    const t = tensor([0.1]);
    expect(cast(t, "float64")).toBe(t);
    expectTensor(cast(t, "float32"), [1], "float32", [Math.fround(0.1)]);
    expect(cast(0.1, "float32")).toBe(Math.fround(0.1));
  });
});

describe("seeded random numbers", () => {
  it("xoshiro128** matches the reference output for state (1, 2, 3, 4)", () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    const out = Array.from({ length: 6 }, () => g.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it("gives fixed values for a seed (a change of algorithm fails here)", () => {
    const g = new Xoshiro128(42);
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([
      2837322924, 544945897, 479756282, 3500138142,
    ]);
    expect(Array.from(randomUniform([4], { seed: 42 }).data)).toEqual([
      0.6606157208001621, 0.1117019639532224, 0.0791056456144914, 0.015209237180418,
    ]);
    expect(Array.from(randomUniform([4], { seed: 42, dtype: "float32" }).data)).toEqual([
      0.6606156826019287, 0.11170190572738647, 0.07910561561584473, 0.015209197998046875,
    ]);
    const normals = [1.1226591822802086, 0.9491474351894811, 0.40412785633822706, 0.0387374413085134];
    const n = randomNormal([4], { seed: 42 }).data;
    // Box–Muller goes through Math.log/cos/sin: allow a last-digit difference of libm.
    normals.forEach((v, i) => expect(Math.abs(n[i] - v)).toBeLessThan(1e-15));
    expect(new Xoshiro128(2 ** 40 + 7).nextUint32()).toBe(3735864038);
    expect(new Xoshiro128(-1).nextUint32()).toBe(3088639192);
  });

  it("is reproducible, differs between seeds, and agrees across dtypes", () => {
    const a = randomNormal([2, 3], { seed: 7 });
    expect(randomNormal([2, 3], { seed: 7 }).data).toEqual(a.data);
    expect(randomNormal([2, 3], { seed: 8 }).data).not.toEqual(a.data);
    const f32 = randomNormal([2, 3], { seed: 7, dtype: "float32" });
    expect(f32.dtype).toBe("float32");
    expect(Array.from(f32.data)).toEqual(Array.from(a.data, Math.fround));
  });

  it("has sane moments", () => {
    const n = Array.from(randomNormal([20000], { seed: 3 }).data);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const std = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    const shifted = randomNormal([20000], { seed: 3, mean: 5, std: 2 }).data;
    expect(shifted[0]).toBeCloseTo(5 + 2 * n[0], 12);

    const u = Array.from(randomUniform([20000], { seed: 4, dtype: "float32" }).data);
    const um = u.reduce((s, v) => s + v, 0) / u.length;
    expect(Math.abs(um - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const r = randomUniform([5000], { seed: 4, low: -3, high: -1 }).data;
    expect(Math.min(...r)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...r)).toBeLessThan(-1);
  });

  it("rejects a missing or non-integer seed", () => {
    expect(() => randomNormal([2], { seed: 1.5 })).toThrow(/seed/);
    expect(() => randomUniform([2], undefined as never)).toThrow(/seed/);
    expect(() => randomUniform([2], {} as never)).toThrow(/seed/);
  });
});
