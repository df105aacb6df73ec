import { describe, it, expect } from "vitest";
import { Tensor, type DType, type Shape, tensor, zeros } from "../../runtime/tensor";
import * as ops from "../../runtime/ops";
import {
  abs,
  add,
  cos,
  div,
  dot,
  equal,
  exp,
  greater,
  log,
  log1p,
  logSumExp,
  matmul,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  pow,
  relu,
  reshape,
  sigmoid,
  sign,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  transpose,
  where,
} from "../../runtime/ops";
import { broadcastTo } from "../../runtime/ops/broadcast";
import { reductionSize } from "../../runtime/ops/reduce";
import {
  broadcastIndex,
  expectTensor,
  expectValues,
  randomTensor,
  ravel,
  refBinary,
  refBroadcastShape,
  refReduce,
  size,
  unravel,
} from "./helpers";

type Bin = (a: ops.Operand, b: ops.Operand) => ops.Operand;
type Un = (x: ops.Operand) => ops.Operand;

const BINARY: [string, Bin, (a: number, b: number) => number][] = [
  ["add", add, (a, b) => a + b],
  ["sub", sub, (a, b) => a - b],
  ["mul", mul, (a, b) => a * b],
  ["div", div, (a, b) => a / b],
  ["pow", pow, (a, b) => Math.pow(a, b)],
  ["maximum", maximum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b)],
  ["minimum", minimum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b)],
  ["greater", greater, (a, b) => (a > b ? 1 : 0)],
  ["equal", equal, (a, b) => (a === b ? 1 : 0)],
];

const UNARY: [string, Un, (x: number) => number][] = [
  ["neg", neg, (x) => -x],
  ["exp", exp, Math.exp],
  ["log", log, Math.log],
  ["log1p", log1p, Math.log1p],
  ["sin", sin, Math.sin],
  ["cos", cos, Math.cos],
  ["tanh", tanh, Math.tanh],
  ["sqrt", sqrt, Math.sqrt],
  ["abs", abs, Math.abs],
  ["square", square, (x) => x * x],
  ["sigmoid", sigmoid, (x) => 1 / (1 + Math.exp(-x))],
  ["relu", relu, (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0))],
  ["softplus", softplus, (x) => (x > 30 ? x : Math.log(1 + Math.exp(x)))],
  ["sign", sign, Math.sign],
];

const SHAPE_PAIRS: [Shape, Shape][] = [
  [[5], [5]],
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [
    [2, 3],
    [2, 1],
  ],
  [
    [2, 1],
    [1, 3],
  ],
  [
    [4, 1, 3],
    [2, 1],
  ],
  [[], [2, 2]],
  [[2, 2], []],
  [[1], [5]],
  [[5], [1]],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [3, 1, 4],
    [1, 5, 1],
  ],
  [
    [2, 1, 3, 1],
    [4, 1, 5],
  ],
  [[0, 3], [3]],
  [[1, 1], [1]],
];

const tolFor = (dtype: DType): [number, number] => (dtype === "float32" ? [1e-6, 1e-6] : [1e-12, 1e-12]);

describe("elementwise binary ops against a naive reference", () => {
  let seed = 100;
  for (const [name, f, ref] of BINARY) {
    it(`${name}: every broadcasting case, dtype combination and scalar side`, () => {
      for (const [sa, sb] of SHAPE_PAIRS) {
        for (const [da, db] of [
          ["float64", "float64"],
          ["float32", "float32"],
          ["float32", "float64"],
        ] as [DType, DType][]) {
          const a = randomTensor(sa, seed++, da, 0.1, 2);
          // Round some values so equal/greater/maximum see ties.
          const b =
            name === "equal"
              ? tensor(Array.from(randomTensor(sb, seed++, db).data, Math.round), { dtype: db, shape: sb })
              : randomTensor(sb, seed++, db, -2, 2);
          const dtype: DType = da === "float64" || db === "float64" ? "float64" : "float32";
          const [rtol, atol] = tolFor(dtype);
          expectTensor(f(a, b), refBroadcastShape(sa, sb), dtype, refBinary(a, b, ref, dtype), rtol, atol);
          expectTensor(f(b, a), refBroadcastShape(sb, sa), dtype, refBinary(b, a, ref, dtype), rtol, atol);
          // Tensor with a plain number, either side: the tensor's dtype wins.
          const s = name === "equal" ? 1 : 1.7;
          const sT = new Tensor(new Float64Array([s]), []);
          expectTensor(f(a, s), sa, da, refBinary(a, sT, ref, da), ...tolFor(da));
          expectTensor(f(s, a), sa, da, refBinary(sT, a, ref, da), ...tolFor(da));
        }
      }
    });

    it(`${name}: two numbers give a number`, () => {
      const r = f(1.5, -0.5);
      expect(typeof r).toBe("number");
      expect(r).toBe(ref(1.5, -0.5));
    });
  }

  it("pow's fast exponents agree with Math.pow", () => {
    const x = randomTensor([7, 3], 9, "float64", -3, 3);
    for (const e of [2, 3, 1, -1, 0, 0.5, -2, 2.5]) {
      expectTensor(
        pow(x, e),
        [7, 3],
        "float64",
        Array.from(x.data, (v) => Math.pow(v, e)),
        1e-14,
        1e-14,
      );
    }
    const x32 = randomTensor([9], 9, "float32", -3, 3);
    for (const e of [2, 3, 1, -1]) {
      expectTensor(
        pow(x32, e),
        [9],
        "float32",
        Array.from(x32.data, (v) => Math.fround(Math.pow(v, e))),
        1e-7,
        1e-7,
      );
    }
    expectValues((pow(tensor([NaN, Infinity, -Infinity, -0]), 3) as Tensor).data, [NaN, Infinity, -Infinity, -0]);
    expectValues(pow(tensor([NaN, 2]), 0).data, [1, 1]);
  });

  it("0-d tensors give 0-d tensors", () => {
    expectTensor(add(tensor(1), 2), [], "float64", [3]);
    expectTensor(mul(tensor(2, { dtype: "float32" }), tensor(3, { dtype: "float32" })), [], "float32", [6]);
  });

  it("names the operation and both shapes on a mismatch", () => {
    for (const [name, f] of BINARY) {
      expect(() => f(zeros([2, 3]), zeros([4]))).toThrow(`${name}: shapes [2,3] and [4] cannot be broadcast`);
      expect(() => f(zeros([2, 3]), zeros([3, 2]))).toThrow(`${name}: shapes [2,3] and [3,2] cannot be broadcast`);
    }
  });

  it("rejects operands that are neither numbers nor tensors", () => {
    expect(() => add([1, 2] as never, 1)).toThrow(/add: argument 1 must be a number or a Tensor/);
    expect(() => exp("1" as never)).toThrow(/exp: argument 1/);
  });
});

describe("elementwise unary ops against a naive reference", () => {
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-300, -1e-300, 800, -800];
  for (const [name, f, ref] of UNARY) {
    it(`${name}: float64, float32, numbers and non-finite values`, () => {
      const x = randomTensor([3, 4], 11, "float64", -3, 3);
      expectTensor(f(x), [3, 4], "float64", Array.from(x.data, ref), 1e-12, 1e-12);
      const x32 = randomTensor([3, 4], 12, "float32", -3, 3);
      expectTensor(
        f(x32),
        [3, 4],
        "float32",
        Array.from(x32.data, (v) => Math.fround(ref(v))),
        1e-6,
        1e-7,
      );
      expectTensor(f(tensor(0.25)), [], "float64", [ref(0.25)]);
      expect(f(0.25)).toBeCloseTo(ref(0.25), 14);
      expect(typeof f(0.25)).toBe("number");
      const s = f(tensor(special)) as Tensor;
      special.forEach((v, i) => {
        const e = ref(v);
        if (Number.isNaN(e)) expect(s.data[i], `${name}(${v})`).toBeNaN();
        else if (e === 0) expect(Math.abs(s.data[i]), `${name}(${v})`).toBe(0);
        else if (!Number.isFinite(e)) expect(s.data[i], `${name}(${v})`).toBe(e);
        else expect(Math.abs(s.data[i] - e) / Math.abs(e), `${name}(${v})`).toBeLessThan(1e-12);
      });
    });
  }

  it("sigmoid and softplus are stable for large |x|", () => {
    expectValues(sigmoid(tensor([-1000, -50, 0, 50, 1000])).data, [0, 1.928749847963918e-22, 0.5, 1, 1], 1e-12, 0);
    expectValues(
      softplus(tensor([-1000, -30, 0, 30, 1000])).data,
      [0, 9.357622968840175e-14, Math.LN2, 30.000000000000092, 1000],
      1e-12,
      0,
    );
    expect(sigmoid(-1000)).toBe(0);
    expect(softplus(1e308)).toBe(1e308);
  });

  it("relu keeps NaN, zeroes negatives", () => {
    expectValues(relu(tensor([NaN, -1, -0, 0, 2])).data, [NaN, 0, 0, 0, 2]);
  });
});

describe("non-finite values propagate", () => {
  it("through binary ops, reductions and matmul", () => {
    expectValues(add(tensor([NaN, Infinity, -Infinity]), 1).data, [NaN, Infinity, -Infinity]);
    expectValues(sub(tensor([Infinity]), tensor([Infinity])).data, [NaN]);
    expectValues(div(tensor([1, -1, 0]), 0).data, [Infinity, -Infinity, NaN]);
    expectValues(maximum(tensor([NaN, 1]), tensor([5, NaN])).data, [NaN, NaN]);
    expectValues(minimum(tensor([NaN, 1]), 0).data, [NaN, 0]);
    expect(sum(tensor([1, NaN, 2])).item()).toBeNaN();
    expect(sum(tensor([Infinity, -Infinity])).item()).toBeNaN();
    expect(mean(tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(logSumExp(tensor([NaN, 1])).item()).toBeNaN();
    expect(logSumExp(tensor([Infinity, 1])).item()).toBe(Infinity);
    const m = matmul(
      tensor([
        [NaN, 0],
        [1, 1],
      ]),
      tensor([
        [0, 1],
        [1, 0],
      ]),
    );
    expectValues(m.data, [NaN, NaN, 1, 1]);
  });
});

describe("where, greater, equal", () => {
  it("selects with broadcasting and promotes a/b only", () => {
    const cond = tensor([[1], [0]], { dtype: "float32" });
    const a = tensor([1, 2, 3], { dtype: "float32" });
    expectTensor(where(cond, a, -1), [2, 3], "float32", [1, 2, 3, -1, -1, -1]);
    expectTensor(where(cond, a, tensor([9, 8, 7])), [2, 3], "float64", [1, 2, 3, 9, 8, 7]);
    expectTensor(where(tensor([NaN, 0]), 1, 2), [2], "float64", [1, 2]);
    expectTensor(where(greater(tensor([-1, 0, 3]), 0), tensor([10, 20, 30]), 0), [3], "float64", [0, 0, 30]);
    expect(where(1, 2, 3)).toBe(2);
    expect(where(0, 2, 3)).toBe(3);
    // A general broadcast of all three.
    const c = tensor([[1, 0, 1]]);
    const x = randomTensor([4, 1], 5);
    const y = randomTensor([4, 3], 6);
    const r = where(c, x, y);
    const expected = Array.from({ length: 12 }, (_, i) =>
      c.data[i % 3] !== 0 ? x.data[Math.floor(i / 3)] : y.data[i],
    );
    expectTensor(r, [4, 3], "float64", expected);
    expect(() => where(zeros([2]), zeros([3]), 0)).toThrow("where: shapes [2], [3] and [] cannot be broadcast");
  });

  it("greater and equal give 1/0 in the promoted dtype", () => {
    expectTensor(greater(tensor([1, 2, NaN], { dtype: "float32" }), 1.5), [3], "float32", [0, 1, 0]);
    expectTensor(equal(tensor([1, NaN]), tensor([1, NaN])), [2], "float64", [1, 0]);
    expect(greater(2, 1)).toBe(1);
  });
});

describe("broadcastTo", () => {
  it("expands like NumPy's broadcast_to and copies", () => {
    const x = tensor([[1], [2]]);
    expectTensor(
      broadcastTo(x, [3, 2, 4]),
      [3, 2, 4],
      "float64",
      Array.from({ length: 24 }, (_, i) => (Math.floor(i / 4) % 2) + 1),
    );
    expectTensor(broadcastTo(tensor([1, 2, 3], { dtype: "float32" }), [2, 3]), [2, 3], "float32", [1, 2, 3, 1, 2, 3]);
    expectTensor(broadcastTo(5, [2]), [2], "float64", [5, 5]);
    expect(() => broadcastTo(zeros([3]), [2, 4])).toThrow("broadcastTo: shapes [3] and [2,4] cannot be broadcast");
    expect(() => broadcastTo(zeros([2, 4]), [4])).toThrow("broadcastTo: shape [2,4] cannot be broadcast to [4]");
  });
});

// -----------------------------------------------------------------------------------------
// Reductions

const AXES: (number | number[] | undefined)[] = [
  undefined,
  0,
  1,
  2,
  -1,
  -2,
  -3,
  [0, 2],
  [2, 0],
  [1, 2],
  [0, 1, 2],
  [-1, 0],
  [],
];

function positive(axis: number | number[] | undefined, r: number): number[] {
  if (axis === undefined) return Array.from({ length: r }, (_, i) => i);
  return (typeof axis === "number" ? [axis] : axis).map((a) => (a < 0 ? a + r : a));
}

const REDUCTIONS: [string, typeof sum, (v: number[]) => number][] = [
  ["sum", sum, (v) => v.reduce((s, x) => s + x, 0)],
  ["mean", mean, (v) => v.reduce((s, x) => s + x, 0) / v.length],
  ["logSumExp", logSumExp, (v) => Math.log(v.reduce((s, x) => s + Math.exp(x), 0))],
];

describe("reductions", () => {
  for (const [name, f, ref] of REDUCTIONS) {
    it(`${name}: every axis, negative axes and keepDims, both dtypes`, () => {
      for (const dtype of ["float64", "float32"] as DType[]) {
        for (const shape of [
          [2, 3, 4],
          [3, 1, 5],
          [1, 4, 1],
        ] as Shape[]) {
          const x = randomTensor(shape, 21, dtype);
          for (const axis of AXES) {
            for (const keepDims of [false, true]) {
              const r = refReduce(x, positive(axis, 3), keepDims, ref);
              const tol = dtype === "float32" ? 1e-6 : 1e-12;
              expectTensor(
                f(x, axis, keepDims),
                r.shape,
                dtype,
                dtype === "float32" ? r.data.map(Math.fround) : r.data,
                tol,
                tol,
              );
            }
          }
        }
      }
    });

    it(`${name}: numbers, 0-d tensors and empty tensors`, () => {
      expect(f(2)).toBeCloseTo(ref([2]), 14);
      expect(typeof f(2)).toBe("number");
      expect(f(2, [], true)).toBeCloseTo(ref([2]), 14);
      expectTensor(f(tensor(2)), [], "float64", [ref([2])]);
      expectTensor(f(tensor(2), undefined, true), [], "float64", [ref([2])]);
      const empty = f(zeros([0, 3]), 0);
      expectTensor(empty, [3], "float64", [ref([]), ref([]), ref([])]);
      expectTensor(f(tensor([[1, 2]]), null, true), [1, 1], "float64", [ref([1, 2])]);
    });

    it(`${name}: an invalid axis names the op, the axis and the shape`, () => {
      expect(() => f(zeros([2, 3]), 2)).toThrow(`${name}: axis 2 is out of range for shape [2,3]`);
      expect(() => f(zeros([2, 3]), -3)).toThrow(`${name}: axis -3 is out of range for shape [2,3]`);
      expect(() => f(zeros([2, 3]), [0, -2])).toThrow(`${name}: axis [0,-2] repeats axis 0 for shape [2,3]`);
      expect(() => f(zeros([2, 3]), 0.5)).toThrow(/axis 0.5 is out of range/);
      expect(() => f(3, 0)).toThrow(`${name}: axis 0 is out of range for shape []`);
    });
  }

  it("sum of a long float32 vector accumulates in float64", () => {
    const n = 100001;
    const x = tensor(new Float32Array(n).fill(0.1));
    expect(sum(x).item()).toBeCloseTo(Math.fround(n * Math.fround(0.1)), 0);
    expect(Math.abs(sum(x).item() - n * Math.fround(0.1))).toBeLessThan(0.01);
  });

  it("logSumExp is stable and handles -Infinity rows", () => {
    expectValues(logSumExp(tensor([1000, 1000])).data, [1000 + Math.LN2], 1e-15);
    expectValues(logSumExp(tensor([-1000, -1000])).data, [-1000 + Math.LN2], 1e-15);
    expectValues(
      logSumExp(
        tensor([
          [-Infinity, -Infinity],
          [0, -Infinity],
        ]),
        1,
      ).data,
      [-Infinity, 0],
    );
    expect(logSumExp(zeros([0])).item()).toBe(-Infinity);
  });

  it("reductionSize counts the reduced elements", () => {
    expect(reductionSize(zeros([2, 3, 4]))).toBe(24);
    expect(reductionSize(zeros([2, 3, 4]), [0, -1])).toBe(8);
    expect(reductionSize(3)).toBe(1);
  });
});

// -----------------------------------------------------------------------------------------
// Shape ops and linear algebra

describe("reshape", () => {
  it("keeps the data in order, infers one -1, and shares the buffer", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectTensor(reshape(x, [3, 2]), [3, 2], "float64", [1, 2, 3, 4, 5, 6]);
    expectTensor(reshape(x, [-1]), [6], "float64");
    expectTensor(reshape(x, [1, -1, 2]), [1, 3, 2], "float64");
    expectTensor(reshape(tensor(5), [1, 1]), [1, 1], "float64", [5]);
    expectTensor(reshape(5, []), [], "float64", [5]);
    expect(reshape(x, [6]).data).toBe(x.data);
    expect(reshape(tensor([1], { dtype: "float32" }), []).dtype).toBe("float32");
  });

  it("names both shapes on a size mismatch", () => {
    const x = zeros([2, 3]);
    expect(() => reshape(x, [4, 2])).toThrow("reshape: cannot reshape [2,3] (6 elements) into [4,2] (8 elements)");
    expect(() => reshape(x, [4, -1])).toThrow("reshape: cannot reshape [2,3] (6 elements) into [4,-1]");
    expect(() => reshape(x, [-1, -1])).toThrow(/only one -1/);
    expect(() => reshape(x, [2.5, 2])).toThrow(/invalid shape/);
  });
});

function refTranspose(x: Tensor, perm: number[]): number[] {
  const shape = perm.map((p) => x.shape[p]);
  return Array.from({ length: x.size }, (_, i) => {
    const idx = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, k) => (src[p] = idx[k]));
    return x.data[ravel(src, x.shape)];
  });
}

describe("transpose", () => {
  it("permutes axes like NumPy, default reversing them", () => {
    const x = randomTensor([2, 3, 4], 31);
    expectTensor(transpose(x), [4, 3, 2], "float64", refTranspose(x, [2, 1, 0]));
    for (const perm of [
      [0, 1, 2],
      [1, 0, 2],
      [2, 0, 1],
      [0, 2, 1],
      [1, 2, 0],
    ]) {
      expectTensor(
        transpose(x, perm),
        perm.map((p) => x.shape[p]),
        "float64",
        refTranspose(x, perm),
      );
    }
    expectTensor(transpose(x, [-1, 0, 1]), [4, 2, 3], "float64", refTranspose(x, [2, 0, 1]));
    const m = randomTensor([3, 5], 32, "float32");
    expectTensor(transpose(m), [5, 3], "float32", refTranspose(m, [1, 0]));
    expectTensor(transpose(tensor([1, 2, 3])), [3], "float64", [1, 2, 3]);
    expectTensor(transpose(tensor(4)), [], "float64", [4]);
    expect(transpose(4)).toBe(4);
    expectTensor(transpose(zeros([0, 2])), [2, 0], "float64");
    const y = randomTensor([2, 1, 3, 2], 33);
    expectTensor(transpose(y, [3, 1, 0, 2]), [2, 1, 2, 3], "float64", refTranspose(y, [3, 1, 0, 2]));
  });

  it("validates perm", () => {
    const x = zeros([2, 3]);
    expect(() => transpose(x, [0])).toThrow("transpose: [0] is not a permutation of the 2 axes of shape [2,3]");
    expect(() => transpose(x, [0, 0])).toThrow(/not a permutation/);
    expect(() => transpose(x, [0, 2])).toThrow(/not a permutation/);
    expect(() => transpose(x, [0, 1.5])).toThrow(/not a permutation/);
  });
});

function refMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const A = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const B = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [m, k] = A;
  const n = B[1];
  const data: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
      data.push(s);
    }
  }
  const shape = [...(a.shape.length === 2 ? [m] : []), ...(b.shape.length === 2 ? [n] : [])];
  return { shape, data };
}

describe("matmul and dot", () => {
  const CASES: [Shape, Shape][] = [
    [[4], [4]],
    [[3, 4], [4]],
    [[4], [4, 5]],
    [
      [3, 4],
      [4, 5],
    ],
    [
      [1, 4],
      [4, 1],
    ],
    [
      [3, 1],
      [1, 5],
    ],
    [
      [2, 0],
      [0, 3],
    ],
  ];
  for (const f of [matmul, dot] as ((a: ops.Operand, b: ops.Operand) => ops.Operand)[]) {
    it(`${f.name}: every 1-D/2-D case matches the naive product`, () => {
      let seed = 40;
      for (const [sa, sb] of CASES) {
        for (const [da, db] of [
          ["float64", "float64"],
          ["float32", "float32"],
          ["float32", "float64"],
        ] as [DType, DType][]) {
          const a = randomTensor(sa, seed++, da);
          const b = randomTensor(sb, seed++, db);
          const r = refMatmul(a, b);
          const dtype: DType = da === "float64" || db === "float64" ? "float64" : "float32";
          const tol = dtype === "float32" ? 1e-6 : 1e-12;
          expectTensor(f(a, b), r.shape, dtype, dtype === "float32" ? r.data.map(Math.fround) : r.data, tol, tol);
        }
      }
    });

    it(`${f.name}: an inner-dimension mismatch names the op and both shapes`, () => {
      expect(() => f(zeros([2, 3]), zeros([4, 5]))).toThrow(new RegExp(`^${f.name}: shapes \\[2,3\\] and \\[4,5\\]`));
      expect(() => f(zeros([3]), zeros([4]))).toThrow(new RegExp(`^${f.name}: shapes \\[3\\] and \\[4\\]`));
      expect(() => f(zeros([2, 3]), zeros([2]))).toThrow(new RegExp(`^${f.name}: shapes \\[2,3\\] and \\[2\\]`));
      // dot keeps NumPy's dot, which is not matmul's batch on 3-D operands (test/runtime/batched-matmul.test.ts).
      expect(() => f(zeros([2, 2, 2, 2]), zeros([2]))).toThrow(
        f === dot
          ? "dot: shapes [2,2,2,2] and [2]: argument 1 must be 1-D or 2-D, got 4-D"
          : "matmul: shapes [2,2,2,2] and [2]: argument 1 must be 1-D, 2-D or 3-D, got 4-D",
      );
    });
  }

  it("matmul rejects 0-d operands and numbers, dot multiplies them", () => {
    expect(() => matmul(tensor(2), zeros([2]))).toThrow(
      "matmul: shapes [] and [2]: argument 1 must be 1-D, 2-D or 3-D, got 0-D",
    );
    expect(() => matmul(zeros([2]), 3)).toThrow(
      "matmul: shapes [2] and a number: argument 2 must be 1-D, 2-D or 3-D, got a number",
    );
    expect(dot(2, 3)).toBe(6);
    expectTensor(dot(tensor([1, 2]), 3), [2], "float64", [3, 6]);
    expectTensor(
      dot(tensor(2, { dtype: "float32" }), tensor([[1, 2]], { dtype: "float32" })),
      [1, 2],
      "float32",
      [2, 4],
    );
  });
});

// -----------------------------------------------------------------------------------------
// Immutability

describe("no op changes its inputs", () => {
  const snap = (xs: unknown[]): (number[] | unknown)[] =>
    xs.map((x) => (x instanceof Tensor ? [...x.shape, "|", ...Array.from(x.data)] : x));
  const a = () => randomTensor([3, 4], 51);
  const b = () => randomTensor([4], 52, "float32");
  const calls: [string, () => unknown[], (...xs: never[]) => unknown][] = [
    ...BINARY.map(([n, f]) => [n, () => [a(), b()], f] as [string, () => unknown[], (...xs: never[]) => unknown]),
    ...BINARY.map(
      ([n, f]) => [`${n} (same shape)`, () => [a(), a()], f] as [string, () => unknown[], (...xs: never[]) => unknown],
    ),
    ...BINARY.map(
      ([n, f]) => [`${n} (scalar)`, () => [a(), 2], f] as [string, () => unknown[], (...xs: never[]) => unknown],
    ),
    ...UNARY.map(([n, f]) => [n, () => [a()], f] as [string, () => unknown[], (...xs: never[]) => unknown]),
    ["pow 2", () => [a(), 2], pow],
    ["pow 3", () => [a(), 3], pow],
    ["pow 1", () => [a(), 1], pow],
    ["where", () => [greater(a(), 0), a(), b()], where],
    ["sum", () => [a(), 1, true], sum],
    ["mean", () => [a(), undefined, false], mean],
    ["logSumExp", () => [a(), [0, 1], false], logSumExp],
    ["reshape", () => [a(), [2, 6]], reshape],
    ["transpose", () => [a()], transpose],
    ["transpose 3-D", () => [randomTensor([2, 3, 4], 53), [1, 2, 0]], transpose],
    ["matmul", () => [a(), randomTensor([4, 2], 54)], matmul],
    ["matmul vec", () => [a(), b()], matmul],
    ["dot", () => [b(), b()], dot],
    ["broadcastTo", () => [b(), [2, 4]], broadcastTo],
  ];
  for (const [name, args, f] of calls) {
    it(name, () => {
      const xs = args();
      const before = snap(xs);
      (f as (...a: unknown[]) => unknown)(...xs);
      expect(snap(xs)).toEqual(before);
    });
  }
});

describe("sanity of the reference helpers", () => {
  it("broadcastIndex and size", () => {
    expect(size([2, 3])).toBe(6);
    expect(broadcastIndex([1, 2], [3])).toBe(2);
    expect(broadcastIndex([1, 2], [2, 1])).toBe(1);
  });
});
