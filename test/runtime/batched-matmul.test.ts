// matmul with a leading batch dimension, as NumPy's: every broadcast of the batch (one side
// without one, or with a batch of 1), 1-D operands with a 3-D one, both dtypes, sizes around
// gemm's 4×4 block and past its 256-step chunk; its adjoints against a naive reference that
// scatters each multiply-add's two partial derivatives (so a shared operand's gradient sums
// over the batch by construction) and against finite differences; and the errors.
import { describe, expect, it } from "vitest";
import { type DType, type Shape, type Tensor, dot, matmul, mul, sum, zeros } from "../../runtime";
import { matmulGradA, matmulGradB } from "../../runtime/internal";
import { expectTensor, expectValues, numericGrad, randomTensor, size } from "./helpers";

/** The product and both adjoints for the seed g, one multiply-add at a time, in float64. */
function reference(a: Tensor, b: Tensor, g?: Tensor) {
  const as = a.shape.length === 1 ? [1, 1, a.shape[0]!] : a.shape.length === 2 ? [1, ...a.shape] : a.shape;
  const bs = b.shape.length === 1 ? [1, b.shape[0]!, 1] : b.shape.length === 2 ? [1, ...b.shape] : b.shape;
  const [ba, m, k] = as as [number, number, number];
  const [bb, , n] = bs as [number, number, number];
  const batch = ba === 1 ? bb : ba;
  const shape = [
    ...(a.shape.length === 3 || b.shape.length === 3 ? [batch] : []),
    ...(a.shape.length > 1 ? [m] : []),
    ...(b.shape.length > 1 ? [n] : []),
  ];
  const y = new Array<number>(batch * m * n).fill(0);
  const da = new Array<number>(a.size).fill(0);
  const db = new Array<number>(b.size).fill(0);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const o = (s * m + i) * n + j;
        for (let p = 0; p < k; p++) {
          const ia = ((ba === 1 ? 0 : s) * m + i) * k + p;
          const ib = ((bb === 1 ? 0 : s) * k + p) * n + j;
          y[o] += a.data[ia]! * b.data[ib]!;
          if (g) {
            da[ia] += g.data[o]! * b.data[ib]!;
            db[ib] += g.data[o]! * a.data[ia]!;
          }
        }
      }
    }
  }
  return { shape, y, da, db };
}

const round = (values: number[], dtype: DType): number[] => (dtype === "float32" ? values.map(Math.fround) : values);
const tolerance = (dtype: DType): number => (dtype === "float32" ? 1e-5 : 1e-12);

const CASES: [Shape, Shape][] = [
  [
    [3, 5, 7],
    [3, 7, 2],
  ],
  [
    [3, 5, 7],
    [7, 6],
  ],
  [
    [5, 7],
    [3, 7, 6],
  ],
  [[3, 5, 7], [7]],
  [[7], [3, 7, 5]],
  [
    [1, 5, 7],
    [3, 7, 6],
  ],
  [
    [3, 5, 7],
    [1, 7, 6],
  ],
  [
    [1, 5, 7],
    [7, 6],
  ],
  [
    [1, 5, 7],
    [1, 7, 6],
  ],
  [
    [4, 1, 3],
    [4, 3, 1],
  ],
  // Odd sizes around the 4×4 block, and a shared dimension past gemm's 256-step chunk.
  [
    [2, 9, 13],
    [2, 13, 11],
  ],
  [
    [3, 9, 300],
    [300, 5],
  ],
  [
    [6, 300],
    [2, 300, 9],
  ],
  // Empty batches and an empty shared dimension.
  [
    [0, 3, 4],
    [4, 5],
  ],
  [
    [2, 3, 0],
    [2, 0, 4],
  ],
  // The 1-D and 2-D cases take the same path.
  [
    [5, 7],
    [7, 3],
  ],
  [[7], [7]],
];

const DTYPES: [DType, DType][] = [
  ["float64", "float64"],
  ["float32", "float32"],
  ["float32", "float64"],
];

describe("batched matmul", () => {
  it("matches the naive product in every broadcast case, both dtypes", () => {
    let seed = 100;
    for (const [sa, sb] of CASES) {
      for (const [da, db] of DTYPES) {
        const a = randomTensor(sa, seed++, da);
        const b = randomTensor(sb, seed++, db);
        const dtype: DType = da === "float64" || db === "float64" ? "float64" : "float32";
        const r = reference(a, b);
        const tol = tolerance(dtype);
        expectTensor(matmul(a, b), r.shape, dtype, round(r.y, dtype), tol, tol);
      }
    }
  });

  it("gives each operand the naive adjoint, summed over the batch where it was shared, in its own dtype", () => {
    let seed = 500;
    for (const [sa, sb] of CASES) {
      for (const [da, db] of DTYPES) {
        const a = randomTensor(sa, seed++, da);
        const b = randomTensor(sb, seed++, db);
        const g = randomTensor(matmul(a, b).shape, seed++);
        const r = reference(a, b, g);
        expectTensor(matmulGradA(g, a, b), sa, da, round(r.da, da), tolerance(da), tolerance(da));
        expectTensor(matmulGradB(g, a, b), sb, db, round(r.db, db), tolerance(db), tolerance(db));
      }
    }
  });

  it("its adjoints match finite differences", () => {
    let seed = 900;
    for (const [sa, sb] of CASES.filter(([sa, sb]) => size(sa) * size(sb) < 5000)) {
      const a = randomTensor(sa, seed++);
      const b = randomTensor(sb, seed++);
      const g = randomTensor(matmul(a, b).shape, seed++);
      const loss = (x: Tensor, y: Tensor): number => sum(mul(g, matmul(x, y))).item();
      expectValues(
        matmulGradA(g, a, b).data,
        numericGrad((x) => loss(x, b), a),
        1e-6,
        1e-6,
      );
      expectValues(
        matmulGradB(g, a, b).data,
        numericGrad((y) => loss(a, y), b),
        1e-6,
        1e-6,
      );
    }
  });

  it("refuses batches that cannot be broadcast, naming matmul and both shapes", () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 5]))).toThrow(
      "matmul: shapes [2,3,4] and [3,4,5]: batch sizes 2 and 3 cannot be broadcast",
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([2, 5, 6]))).toThrow(
      "matmul: shapes [2,3,4] and [2,5,6] are not aligned: 4 (dim 2) != 5 (dim 1)",
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([5]))).toThrow(
      "matmul: shapes [2,3,4] and [5] are not aligned: 4 (dim 2) != 5 (dim 0)",
    );
    expect(() => matmul(zeros([4]), zeros([2, 5, 6]))).toThrow(
      "matmul: shapes [4] and [2,5,6] are not aligned: 4 (dim 0) != 5 (dim 1)",
    );
    expect(() => matmul(zeros([2, 3, 4]), zeros([1, 2, 4, 5]))).toThrow(
      "matmul: shapes [2,3,4] and [1,2,4,5]: argument 2 must be 1-D, 2-D or 3-D, got 4-D",
    );
    expect(() => matmulGradA(zeros([2, 3]), zeros([2, 3, 4]), zeros([4, 5]))).toThrow(
      "matmul: a gradient of shape [2,3] does not fit the result's shape [2,3,5] (of shapes [2,3,4] and [4,5])",
    );
  });

  it("dot keeps NumPy's dot: a 3-D operand is refused, pointing to matmul", () => {
    expect(() => dot(zeros([2, 3, 4]), zeros([4, 5]))).toThrow(
      "dot: shapes [2,3,4] and [4,5]: argument 1 must be 1-D or 2-D, got 3-D (matmul takes a leading batch dimension)",
    );
    expect(() => dot(zeros([4]), zeros([2, 4, 5]))).toThrow(
      "dot: shapes [4] and [2,4,5]: argument 2 must be 1-D or 2-D, got 3-D (matmul takes a leading batch dimension)",
    );
  });
});
