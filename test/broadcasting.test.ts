// Gradients through broadcasting: an operand smaller than the result is used several times,
// and its gradient must count every use. Inside the sweep an adjoint may be smaller than
// its value (the seed of grad is the number 1, a whole reduction keeps its adjoint 0-d), so
// each reduction must be taken over the value's shape, not the adjoint's (issue #10). Each
// program is checked against its closed form through grad, valueAndGrad and vjp (with an
// explicit seed of ones), and against finite differences with checkGrad.
import { describe, expect, it } from "vitest";
import { ones, tensor, type Tensor } from "../runtime";
import { compile } from "./harness";

const IMPORTS = `import { grad, vjp, valueAndGrad, checkGrad, stopGradient, gradHook, reverseGradient, customGradient, Tensor, tensor, ones, onesLike, zeros, zerosLike, full, add, sub, mul, div, pow, exp, log, sum, mean, logSumExp, logSoftmax, matmul, dot, maximum, minimum, where, greater, square, tanh, sigmoid, reshape, transpose } from "adjoint";\n`;

function build(source: string): Record<string, any> {
  const compiled = compile(IMPORTS + source);
  expect(compiled.codes, "transformer diagnostics").toEqual([]);
  expect(compiled.typeErrors, "type errors in the test program").toEqual([]);
  return compiled.run();
}

const values = (t: Tensor | number): number[] => (typeof t === "number" ? [t] : Array.from(t.data));

function expectTensor(actual: Tensor | number, shape: number[], expected: number[], tolerance = 1e-12): void {
  if (typeof actual === "number") {
    expect(shape).toEqual([]);
  } else {
    expect(actual.shape).toEqual(shape);
  }
  const got = values(actual);
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) =>
    expect(Math.abs(v - expected[i]!), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(expected[i]!)),
    ),
  );
}

const x32 = [
  [1, 2],
  [3, 4],
  [5, 6],
];
const X = () => tensor(x32);

/**
 * One program `f` of one differentiated parameter: its gradient at `at` must be `expected`
 * (of `shape`) through grad, valueAndGrad and vjp with a seed of ones shaped like f's
 * result, and checkGrad must agree.
 */
interface Case {
  readonly name: string;
  /** The body of `f(p: Tensor)`, with `x` = [[1, 2], [3, 4], [5, 6]] and `y` = ones([3, 2]) in scope. */
  readonly body: string;
  readonly at: () => Tensor;
  readonly shape: number[];
  readonly expected: number[];
}

const softmaxRows = (rows: number[][]) =>
  rows.map((r) => r.map((v) => Math.exp(v) / r.reduce((s, u) => s + Math.exp(u), 0)));

const CASES: Case[] = [
  {
    name: "a bias added to a matrix, wrt the bias",
    body: "add(x, p)",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [3, 3],
  },
  {
    name: "the sum of a bias added to a matrix",
    body: "sum(add(x, p))",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [3, 3],
  },
  {
    name: "the mean of a bias added to a matrix",
    body: "mean(add(x, p))",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [0.5, 0.5],
  },
  {
    name: "a bias summed over explicit axes",
    body: "sum(add(x, p), [0, 1])",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [3, 3],
  },
  {
    name: "a bias of shape [1, 2] and of shape [3, 1]",
    body: "add(add(x, p), reshape(sum(p), [1, 1]))",
    at: () => tensor([[0, 0]]),
    shape: [1, 2],
    expected: [9, 9],
  },
  {
    name: "a - mean(a): constant sum, zero gradient",
    body: "sub(p, mean(p))",
    at: X,
    shape: [3, 2],
    expected: [0, 0, 0, 0, 0, 0],
  },
  {
    name: "a + log(sum(a))",
    body: "add(p, log(sum(p)))",
    at: () => tensor([1, 2, 3, 4]),
    shape: [4],
    expected: [1.4, 1.4, 1.4, 1.4],
  },
  { name: "x + t for a 0-d t", body: "add(x, p)", at: () => tensor(0.5), shape: [], expected: [6] },
  { name: "x · t for a 0-d t", body: "mul(x, p)", at: () => tensor(2), shape: [], expected: [21] },
  {
    name: "a − logSumExp(a, 1, true)",
    body: "sub(p, logSumExp(p, 1, true))",
    at: X,
    shape: [3, 2],
    expected: softmaxRows(x32)
      .flat()
      .map((s) => 1 - 2 * s),
  },
  { name: "mean(a, 0) − a: zero", body: "sub(mean(p, 0), p)", at: X, shape: [3, 2], expected: [0, 0, 0, 0, 0, 0] },
  { name: "y + sum(a, 1, true)", body: "add(y, sum(p, 1, true))", at: X, shape: [3, 2], expected: [2, 2, 2, 2, 2, 2] },
  { name: "y + sum(a)", body: "add(y, sum(p))", at: X, shape: [3, 2], expected: [6, 6, 6, 6, 6, 6] },
  {
    name: "y + mean(a, -1)... broadcast along the last axis",
    body: "add(y, reshape(mean(p, -1), [3, 1]))",
    at: X,
    shape: [3, 2],
    expected: [1, 1, 1, 1, 1, 1],
  },
  {
    name: "matmul(x, v) + mean(v)",
    body: "add(matmul(x, p), mean(p))",
    at: () => tensor([0.5, -1]),
    shape: [2],
    expected: [10.5, 13.5],
  },
  {
    name: "dot(v, v) + v: a 0-d result broadcast back",
    body: "add(dot(p, p), p)",
    at: () => tensor([1, 2]),
    shape: [2],
    expected: [2 * 1 * 2 + 1, 2 * 2 * 2 + 1],
  },
  {
    name: "x / b for a row b",
    body: "div(x, p)",
    at: () => tensor([2, 4]),
    shape: [2],
    expected: [-(1 + 3 + 5) / 4, -(2 + 4 + 6) / 16],
  },
  {
    name: "x ** b for a row exponent b",
    body: "pow(x, p)",
    at: () => tensor([1, 1]),
    shape: [2],
    expected: [0 + 3 * Math.log(3) + 5 * Math.log(5), 2 * Math.log(2) + 4 * Math.log(4) + 6 * Math.log(6)],
  },
  { name: "maximum(x, t) for a 0-d t", body: "maximum(x, p)", at: () => tensor(3.5), shape: [], expected: [3] },
  {
    name: "where(x > 3, t, x) for a 0-d t",
    body: "where(greater(x, 3), p, x)",
    at: () => tensor(1),
    shape: [],
    expected: [3],
  },
  {
    name: "where(x > 3, x, b) for a row b",
    body: "where(greater(x, 3), x, p)",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [2, 1],
  },
  {
    name: "logSoftmax(x + b) summed: −(n·softmax − 1) per column",
    body: "logSoftmax(add(x, p))",
    at: () => tensor([0, 0]),
    shape: [2],
    expected: [3 - 6 * softmaxRows(x32)[0]![0]!, 3 - 6 * softmaxRows(x32)[0]![1]!],
  },
  {
    name: "a number operand broadcast to a matrix is not a tensor's adjoint",
    body: "mul(add(x, p), p)",
    at: () => tensor([1, 2]),
    shape: [2],
    expected: [1 + 3 + 5 + 3 * 2 * 1, 2 + 4 + 6 + 3 * 2 * 2],
  },
];

describe("gradients through broadcasting: each program against its closed form", () => {
  const programs = CASES.map((c, k) => `export const f${k} = (p: Tensor) => ${c.body};`).join("\n");
  const p = build(`
    const x = tensor(${JSON.stringify(x32)});
    const y = ones([3, 2]);
    ${programs}
    ${CASES.map((_, k) => `export const g${k} = grad(f${k}); export const vg${k} = valueAndGrad(f${k}); export const v${k} = vjp(f${k}); export const check${k} = (a: Tensor) => checkGrad(f${k}, [a]);`).join("\n")}
  `);

  CASES.forEach((c, k) => {
    it(c.name, () => {
      const at = c.at();
      expectTensor(p[`g${k}`](at), c.shape, c.expected, 1e-10);
      const { value, grad } = p[`vg${k}`](at);
      expectTensor(grad, c.shape, c.expected, 1e-10);
      expect(values(value)).toEqual(values(p[`f${k}`](at)));
      const y = p[`f${k}`](at);
      const seed = typeof y === "number" ? 1 : ones(y.shape as number[]);
      expectTensor(p[`v${k}`](at, seed), c.shape, c.expected, 1e-10);
      expect(p[`check${k}`](at)).toBeLessThan(1e-6);
    });
  });
});

describe("whole reductions with an explicit seed, and number parameters", () => {
  const p = build(`
    const x = tensor(${JSON.stringify(x32)});
    export const sumVjp = vjp((b: Tensor) => sum(add(x, b)));
    export const meanVjp = vjp((b: Tensor) => mean(add(x, b)));
    export const sumNull = vjp((b: Tensor) => sum(add(x, b), null));
    export const sumUndefined = vjp((b: Tensor) => sum(add(x, b), undefined, false));
    export const byNumber = grad((t: Tensor, s: number) => add(t, s), { wrt: 1 });
    export const byNumberMean = grad((t: Tensor, s: number) => mean(mul(t, s)), { wrt: [0, 1] });
    export const checkNumber = (t: Tensor, s: number) => checkGrad((u: Tensor, v: number) => sum(mul(add(u, v), v)), [t, s], { wrt: [0, 1] });
  `);
  const b = () => tensor([0, 0]);

  it("vjp of a whole sum and mean with a 0-d seed counts every copy", () => {
    expectTensor(p.sumVjp(b(), tensor(1)), [2], [3, 3]);
    expectTensor(p.meanVjp(b(), tensor(1)), [2], [0.5, 0.5]);
    expectTensor(p.sumNull(b(), tensor(2)), [2], [6, 6]);
    expectTensor(p.sumUndefined(b(), 1), [2], [3, 3]);
  });

  it("a number parameter broadcast over a tensor gets the total of its uses", () => {
    expect(p.byNumber(X(), 0.5)).toBe(6);
    const [dt, ds] = p.byNumberMean(X(), 2);
    expectTensor(dt, [3, 2], [2 / 6, 2 / 6, 2 / 6, 2 / 6, 2 / 6, 2 / 6]);
    expect(ds).toBeCloseTo(21 / 6, 12);
    expect(p.checkNumber(X(), 0.7)).toBeLessThan(1e-6);
  });
});

describe("both operands broadcast, hooks, custom gradients and loops", () => {
  const p = build(`
    export const outer = grad((a: Tensor, b: Tensor) => mul(a, b), { wrt: [0, 1] });
    export const hooked = grad((b: Tensor) => gradHook(add(ones([3, 2]), b), (g) => mul(g, 2)));
    export const hookShapes: string[] = [];
    export const hookSees = grad((b: Tensor) => sum(gradHook(add(ones([3, 2]), b), (g) => { hookShapes.push(String(g.shape)); return g; })));
    export const hookReturnsNumber = grad((b: Tensor) => gradHook(add(ones([3, 2]), b), (_g) => 1 as unknown as Tensor));
    const addBoth = customGradient((a: Tensor, b: Tensor) => add(a, b), (g: Tensor, _a: Tensor, _b: Tensor) => [g, g]);
    export const custom = grad((a: Tensor, b: Tensor) => addBoth(a, b), { wrt: [0, 1] });
    export const reversed = grad((b: Tensor) => reverseGradient(add(ones([3, 2]), b), 0.5));
    export const carried = grad((b: Tensor) => {
      let h = b;
      for (let i = 0; i < 3; i++) h = add(h, mul(ones([3, 2]), 0.5));
      return h;
    });
    export const carriedMix = grad((b: Tensor, x: Tensor) => {
      let h = x;
      for (let i = 0; i < 4; i++) h = tanh(add(mul(h, 0.5), b));
      return sum(h);
    }, { wrt: [0, 1] });
    export const checkCarriedMix = (b: Tensor, x: Tensor) => checkGrad((c: Tensor, u: Tensor) => {
      let h = u;
      for (let i = 0; i < 4; i++) h = tanh(add(mul(h, 0.5), c));
      return sum(h);
    }, [b, x], { wrt: [0, 1] });
  `);

  it("a column times a row: each gets the other's sum", () => {
    const [da, db] = p.outer(tensor([[1], [2], [3]]), tensor([[10, 20]]));
    expectTensor(da, [3, 1], [30, 30, 30]);
    expectTensor(db, [1, 2], [6, 6]);
  });

  it("a hook sees the whole gradient, and what it returns is fitted to the operand", () => {
    expectTensor(p.hooked(tensor([0, 0])), [2], [6, 6]);
    expectTensor(p.hookSees(tensor([0, 0])), [2], [3, 3]);
    expect(p.hookShapes).toEqual(["3,2"]);
    expectTensor(p.hookReturnsNumber(tensor([0, 0])), [2], [3, 3]);
  });

  it("a custom backward that returns the whole gradient for a broadcast argument", () => {
    const [da, db] = p.custom(X(), tensor([0, 0]));
    expectTensor(da, [3, 2], [1, 1, 1, 1, 1, 1]);
    expectTensor(db, [2], [3, 3]);
  });

  it("reverseGradient of a broadcast", () => {
    expectTensor(p.reversed(tensor([0, 0])), [2], [-1.5, -1.5]);
  });

  it("a loop whose carried tensor grows by broadcasting", () => {
    expectTensor(p.carried(tensor([0, 0])), [2], [3, 3]);
  });

  it("a loop that carries a tensor broadcast against a bias", () => {
    const b = tensor([0.1, -0.2]);
    const x = tensor([
      [0.5, 1],
      [-1, 0.3],
      [0.2, 0.2],
    ]);
    const [db, dx] = p.carriedMix(b, x);
    expect(db.shape).toEqual([2]);
    expect(dx.shape).toEqual([3, 2]);
    expect(p.checkCarriedMix(b, x)).toBeLessThan(1e-6);
  });

  it("float32 parameters get float32 gradients of their shape", () => {
    const [da, db] = p.outer(tensor([[1], [2], [3]], { dtype: "float32" }), tensor([[10, 20]], { dtype: "float32" }));
    expect(da.dtype).toBe("float32");
    expect(db.dtype).toBe("float32");
    expectTensor(da, [3, 1], [30, 30, 30]);
  });
});

describe("shapes, sizes, dtypes and creation functions are constants on the gradient's path", () => {
  const p = build(`
    export const bySize = grad((x: Tensor) => div(sum(square(x)), x.size));
    export const byRows = grad((x: Tensor) => mul(sum(x), x.shape[0]));
    export const byConst = grad((x: Tensor) => { const n = x.shape[1]; const r = x.shape.length; return mul(mul(x, n), r); });
    export const created = grad((x: Tensor) => sum(mul(x, add(add(onesLike(x), zerosLike(x)), add(ones(x.shape), zeros(x.shape, x.dtype))))));
    export const filled = grad((x: Tensor) => mul(x, full(x.shape, 3, x.dtype)));
    export const literal = grad((x: Tensor) => mul(x, tensor([[1, 2]])));
    export const loopOverRows = grad((x: Tensor) => {
      let acc = zeros([x.shape[1]]);
      for (let i = 0; i < x.shape[0]; i++) acc = add(acc, mul(x, i));
      return sum(acc);
    });
  `);

  it("reading x.size, x.shape[i], x.shape.length and x.dtype", () => {
    const x = X();
    expectTensor(
      p.bySize(x),
      [3, 2],
      x32.flat().map((v) => (2 * v) / 6),
    );
    expectTensor(p.byRows(x), [3, 2], [3, 3, 3, 3, 3, 3]);
    expectTensor(p.byConst(x), [3, 2], [4, 4, 4, 4, 4, 4]);
  });

  it("onesLike, zerosLike, ones(x.shape), zeros(x.shape, x.dtype), full and tensor of constants", () => {
    expectTensor(p.created(X()), [3, 2], [2, 2, 2, 2, 2, 2]);
    expectTensor(p.filled(X()), [3, 2], [3, 3, 3, 3, 3, 3]);
    expectTensor(p.literal(X()), [3, 2], [1, 2, 1, 2, 1, 2]);
    expectTensor(p.loopOverRows(X()), [3, 2], [3, 3, 3, 3, 3, 3]);
  });

  it("a creation function holding a differentiated value is refused, not silently cut", () => {
    const refused = (body: string) =>
      compile(`${IMPORTS}export const d = grad((x: Tensor, s: number) => ${body}, { wrt: 1 });`).codes;
    expect(refused("sum(mul(x, full(x.shape, s)))")).toEqual(["ADJ203@2"]);
    expect(refused("sum(mul(x, tensor([s, 2])))")).toEqual(["ADJ203@2"]);
    // A local that carries no gradient is fine.
    expect(
      compile(
        `${IMPORTS}export const d = grad((x: Tensor, s: number) => { const k = x.shape[0]; return sum(mul(x, full(x.shape, k))); });`,
      ).codes,
    ).toEqual([]);
  });
});

describe("found by an adversarial review of the fix", () => {
  const p = build(`
    const W = ones([3, 2]);
    const M = tensor([[1, 2], [3, 4], [5, 6]]);
    // A loop variable declared wider than its first value: its kind is its declared type's.
    export function acc(x: Tensor) {
      let h: number | Tensor = 0;
      for (let i = 0; i < 1; i++) h = add(h, W);
      return sum(add(h, x));
    }
    export function grows(x: Tensor) {
      let h: number | Tensor = 0;
      for (let i = 0; i < 2; i++) h = mul(add(h, x), M);
      return sum(h);
    }
    export function squared(x: Tensor, b: Tensor) {
      let h: number | Tensor = 0;
      for (let i = 0; i < 3; i++) h = add(h, mul(x, b));
      return sum(mul(h, h));
    }
    export function product(x: Tensor) {
      let h: Tensor | number = 1;
      let i = 0;
      while (i < 2) { h = mul(h, add(x, W)); i++; }
      return sum(h);
    }
    function accumulate(q: Tensor, s: number) {
      let h: number | Tensor = s;
      for (let i = 0; i < 1; i++) h = add(h, W);
      return h;
    }
    export function throughHelper(x: Tensor) { return sum(add(accumulate(x, 2), x)); }
    export const dAcc = grad(acc);
    export const dThroughHelper = grad(throughHelper);
    export const checks = (x: Tensor, b: Tensor) => [
      checkGrad(grows, [x]),
      checkGrad(squared, [M, b], { wrt: [0, 1] }),
      checkGrad(product, [x]),
    ];
    // Values a creation function holds that carry no gradient: metadata and stopGradient.
    export const fullOfSize = grad((x: Tensor) => sum(mul(x, full(x.shape, x.size))));
    export const fullOfStopped = grad((x: Tensor, s: number) => sum(mul(mul(x, s), full(x.shape, stopGradient(s)))), { wrt: [0, 1] });
    export const tensorOfShape = grad((x: Tensor) => sum(mul(x, tensor(x.shape))));
  `);

  it("a loop accumulator typed number | Tensor that starts as a number", () => {
    expectTensor(p.dAcc(tensor([0.5, -1])), [2], [3, 3]);
    expectTensor(p.dThroughHelper(tensor([0.5, -1])), [2], [3, 3]);
    for (const worst of p.checks(tensor([0.5, -1]), tensor([0.7, 1.1]))) expect(worst).toBeLessThan(1e-6);
  });

  it("full and tensor holding shape reads or stopped values are constants", () => {
    expectTensor(p.fullOfSize(X()), [3, 2], [6, 6, 6, 6, 6, 6]);
    const [dx, ds] = p.fullOfStopped(X(), 2);
    expectTensor(dx, [3, 2], [4, 4, 4, 4, 4, 4]);
    expect(ds).toBeCloseTo(2 * 21, 12);
    expectTensor(p.tensorOfShape(tensor([1, 2])), [2], [2, 2]);
  });
});
