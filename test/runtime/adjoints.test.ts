import { describe, it, expect } from "vitest";
import { Tensor, type Shape, tensor, zeros } from "../../runtime/tensor";
import { add, dot, matmul, mul, sum, transpose } from "../../runtime/ops";
import {
  accumulate,
  expandReduced,
  inversePermutation,
  matmulGradA,
  matmulGradB,
  fitGradient,
  reshapeGrad,
  sumGrad,
  transposeGrad,
  unbroadcast,
} from "../../runtime/internal/adjoints";
import { expectTensor, expectValues, numericGrad, randomTensor } from "./helpers";

// Every check has the form: for a linear map L and a seed s, d/dx sum(s * L(x)) computed by
// central differences equals the helper's vector-Jacobian product.
const FD_TOL = 1e-7;

function total(t: Tensor | number): number {
  return typeof t === "number" ? t : sum(t).item();
}

describe("fitGradient", () => {
  const CASES: [Shape, Shape][] = [
    [[3], [2, 3]],
    [
      [2, 1],
      [2, 3],
    ],
    [
      [1, 3],
      [2, 3],
    ],
    [[1], [4, 2]],
    [[], [2, 2]],
    [
      [3, 1],
      [2, 3, 4],
    ],
    [
      [2, 1, 4],
      [3, 2, 5, 4],
    ],
    [
      [2, 3],
      [2, 3],
    ],
  ];
  for (const [likeShape, outShape] of CASES) {
    it(`sums [${outShape}] down to [${likeShape}] (matches finite differences)`, () => {
      const x = randomTensor(likeShape, 1);
      const seed = randomTensor(outShape, 2);
      const f = (v: Tensor): number => total(mul(seed, add(v, zeros(outShape))));
      const g = fitGradient(seed, x);
      expectTensor(g, likeShape, "float64", numericGrad(f, x), FD_TOL, FD_TOL);
    });
  }

  it("casts to like's dtype and returns numbers for number operands", () => {
    const like = zeros([3], "float32");
    expectTensor(
      fitGradient(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        like,
      ),
      [3],
      "float32",
      [5, 7, 9],
    );
    expect(
      fitGradient(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        7,
      ),
    ).toBe(10);
    expect(fitGradient(2.5, 7)).toBe(2.5);
    const same = tensor([1, 2]);
    expect(fitGradient(same, zeros([2]))).toBe(same);
  });

  it("broadcasts a smaller gradient up to like's shape", () => {
    expectTensor(fitGradient(3, zeros([2, 2])), [2, 2], "float64", [3, 3, 3, 3]);
    expectTensor(fitGradient(tensor(2), zeros([2])), [2], "float64", [2, 2]);
    expectTensor(fitGradient(tensor([[1], [2]]), zeros([2, 3], "float32")), [2, 3], "float32", [1, 1, 1, 2, 2, 2]);
  });

  it("rejects a gradient that does not fit", () => {
    expect(() => fitGradient(zeros([2, 3]), zeros([4]))).toThrow(
      "A gradient of shape [2,3] does not fit its value's shape [4] (a vjp seed, a gradHook result or a customGradient backward of the wrong shape?)",
    );
  });
});

describe("unbroadcast (reduce only)", () => {
  it("sums the axes broadcasting added and leaves a smaller adjoint alone", () => {
    expectTensor(
      unbroadcast(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        zeros([3]),
      ) as Tensor,
      [3],
      "float64",
      [5, 7, 9],
    );
    expectTensor(
      unbroadcast(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        zeros([2, 1]),
      ) as Tensor,
      [2, 1],
      "float64",
      [6, 15],
    );
    expect(
      unbroadcast(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        7,
      ),
    ).toBe(10);
    expect(unbroadcast(2.5, zeros([4]))).toBe(2.5);
    const small = tensor([1, 2]);
    expect(unbroadcast(small, zeros([3, 2]))).toBe(small);
  });
});

describe("sumGrad, reshapeGrad, transposeGrad", () => {
  it("sumGrad keeps a whole-sum adjoint as it is and re-inserts reduced axes otherwise", () => {
    const x = zeros([2, 3]);
    expect(sumGrad(1.5, x, 0)).toBe(1.5);
    expectTensor(sumGrad(tensor([1, 2]), x, zeros([2]), 1) as Tensor, [2, 3], "float64", [1, 1, 1, 2, 2, 2]);
    expectTensor(
      sumGrad(tensor([[1], [2]]), x, zeros([2, 1]), 1, true) as Tensor,
      [2, 3],
      "float64",
      [1, 1, 1, 2, 2, 2],
    );
  });

  it("reshapeGrad and transposeGrad give the input's layout back, also for a scalar adjoint", () => {
    const x = zeros([2, 3]);
    expectTensor(
      reshapeGrad(tensor([1, 2, 3, 4, 5, 6]), x, zeros([6])) as Tensor,
      [2, 3],
      "float64",
      [1, 2, 3, 4, 5, 6],
    );
    expectTensor(reshapeGrad(2, x, zeros([6])) as Tensor, [2, 3], "float64", [2, 2, 2, 2, 2, 2]);
    expectTensor(
      transposeGrad(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        zeros([3, 2]),
      ) as Tensor,
      [2, 3],
      "float64",
      [1, 3, 5, 2, 4, 6],
    );
  });
});

describe("expandReduced", () => {
  const AXES: (number | number[] | undefined)[] = [undefined, 0, 1, 2, -1, [0, 2], [-1, -2], []];
  for (const axis of AXES) {
    for (const keepDims of [false, true]) {
      it(`axis ${JSON.stringify(axis)} keepDims ${keepDims} (matches finite differences of sum)`, () => {
        const x = randomTensor([2, 3, 4], 3);
        const y = sum(x, axis, keepDims);
        const seed = randomTensor(y.shape, 4);
        const f = (v: Tensor): number => total(mul(seed, sum(v, axis, keepDims)));
        expectTensor(expandReduced(seed, x, axis, keepDims), [2, 3, 4], "float64", numericGrad(f, x), FD_TOL, FD_TOL);
      });
    }
  }

  it("handles numbers, scalar gradients and dtype", () => {
    expect(expandReduced(2, 5)).toBe(2);
    expect(expandReduced(tensor(2), 5)).toBe(2);
    expectTensor(expandReduced(1.5, zeros([2, 2], "float32")), [2, 2], "float32", [1.5, 1.5, 1.5, 1.5]);
    expectTensor(expandReduced(tensor([1, 2]), zeros([2, 3], "float32"), 1), [2, 3], "float32", [1, 1, 1, 2, 2, 2]);
    expectTensor(expandReduced(tensor([[1, 2, 3]]), zeros([2, 3]), 0, true), [2, 3], "float64", [1, 2, 3, 1, 2, 3]);
  });

  it("names the mismatch", () => {
    expect(() => expandReduced(zeros([4]), zeros([2, 3]), 0)).toThrow(
      "expandReduced: a gradient of shape [4] does not match the reduction of [2,3] over axis 0 (expected [3])",
    );
    expect(() => expandReduced(zeros([3]), zeros([2, 3]), 5)).toThrow(
      /expandReduced: axis 5 is out of range for shape \[2,3\]/,
    );
  });
});

describe("matmulGradA / matmulGradB", () => {
  const CASES: [Shape, Shape][] = [
    [[4], [4]],
    [[3, 4], [4]],
    [[4], [4, 5]],
    [
      [3, 4],
      [4, 5],
    ],
    [
      [1, 1],
      [1, 1],
    ],
  ];
  for (const [sa, sb] of CASES) {
    it(`[${sa}]·[${sb}] matches finite differences`, () => {
      const a = randomTensor(sa, 5);
      const b = randomTensor(sb, 6);
      const seed = randomTensor(matmul(a, b).shape, 7);
      const fa = (v: Tensor): number => total(mul(seed, matmul(v, b)));
      const fb = (v: Tensor): number => total(mul(seed, matmul(a, v)));
      expectTensor(matmulGradA(seed, a, b), sa, "float64", numericGrad(fa, a), FD_TOL, FD_TOL);
      expectTensor(matmulGradB(seed, a, b), sb, "float64", numericGrad(fb, b), FD_TOL, FD_TOL);
    });
  }

  it("takes a number seed and keeps operand dtypes", () => {
    const a = tensor([1, 2, 3], { dtype: "float32" });
    const b = tensor([4, 5, 6]);
    expectTensor(matmulGradA(2, a, b), [3], "float32", [8, 10, 12]);
    expectTensor(matmulGradB(2, a, b), [3], "float64", [2, 4, 6]);
    // A number (or a smaller tensor) stands for itself broadcast to the result's shape, [2] here.
    expectTensor(matmulGradA(1, zeros([2, 3]), b), [2, 3], "float64", [4, 5, 6, 4, 5, 6]);
    expectTensor(matmulGradA(tensor([1]), zeros([2, 3]), b), [2, 3], "float64", [4, 5, 6, 4, 5, 6]);
    expect(() => matmulGradA(zeros([3]), zeros([2, 3]), zeros([3]))).toThrow(
      "matmul: a gradient of shape [3] does not fit the result's shape [2] (of shapes [2,3] and [3])",
    );
  });

  it("treats scalar operands as dot does (multiplication)", () => {
    const v = tensor([1, 2, 3]);
    // d/da sum(g * (a * v)) = sum(g * v); d/dv = g * a
    const g = tensor([1, 1, 2]);
    expect(matmulGradA(g, 2, v)).toBe(9);
    expectTensor(matmulGradB(g, 2, v), [3], "float64", [2, 2, 4]);
    expectTensor(matmulGradA(g, tensor(2), v), [], "float64", [9]);
    expect(total(dot(2, v))).toBe(12);
  });
});

describe("inversePermutation", () => {
  it("inverts, so transposing back restores the tensor", () => {
    const x = randomTensor([2, 3, 4], 8);
    for (const perm of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
      [2, 1, 0],
    ]) {
      const inv = inversePermutation(perm);
      expectValues(transpose(transpose(x, perm), inv).data, x.data, 0, 0);
    }
    expect(inversePermutation([2, 0, 1])).toEqual([1, 2, 0]);
    expect(inversePermutation([-1, 0])).toEqual([1, 0]);
    expect(() => inversePermutation([0, 0])).toThrow(/not a permutation/);
  });
});

describe("accumulate", () => {
  it("treats null/undefined as zero and never writes into its arguments", () => {
    const g = tensor([1, 2]);
    expect(accumulate(undefined, g)).toBe(g);
    expect(accumulate(null, g)).toBe(g);
    expect(accumulate(g, null)).toBe(g);
    expect(accumulate(undefined, undefined)).toBeUndefined();
    expect(accumulate(1, 2)).toBe(3);
    const h = tensor([10, 20]);
    expectTensor(accumulate(g, h), [2], "float64", [11, 22]);
    expect(Array.from(g.data)).toEqual([1, 2]);
    expect(Array.from(h.data)).toEqual([10, 20]);
  });
});
