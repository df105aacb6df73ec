// Every tensor primitive's rule, for every differentiable operand, checked against central
// finite differences in float64 through the whole pipeline (a program compiled by the
// transformer and run). Variants cover broadcasting (operands of different shapes, a
// number operand) and every axis / keepDims form of the reductions. The test iterates the
// table, so a primitive without a case fails the suite, and walks the kernel table
// (runtime/ops/kernels.ts), so a public kernel without a rule fails it too.
import { describe, expect, it } from "vitest";
import * as runtime from "../runtime";
import type { Tensor } from "../runtime";
import { KERNELS, type KernelSpec } from "../runtime/ops/kernels";
import { tensorRules } from "../transformer/rules/tensor";
import { compile } from "./harness";

interface Operand {
  /** A shape, or "number" for a plain number operand. */
  readonly shape: readonly number[] | "number";
  /** Sampling interval (log and sqrt need positive inputs, for instance). */
  readonly domain?: readonly [number, number];
}

interface Variant {
  readonly operands: readonly Operand[];
  /** The call, over operand names a, b, c. */
  readonly call: string;
  /** The result's shape, for the random weights W that make the checked scalar sum(W * result). */
  readonly out: readonly number[];
  /** Operands that are not differentiable (a condition). */
  readonly constant?: readonly number[];
}

const t = (...shape: number[]): Operand => ({ shape });
const NUM: Operand = { shape: "number" };

const binaryVariants = (fn: string, domain?: readonly [number, number]): Variant[] => {
  const op = (...shape: number[]): Operand => ({ shape, domain });
  return [
    { operands: [op(2, 3), op(2, 3)], call: `${fn}(a, b)`, out: [2, 3] },
    { operands: [op(2, 3), op(3)], call: `${fn}(a, b)`, out: [2, 3] },
    { operands: [op(2, 1), op(1, 3)], call: `${fn}(a, b)`, out: [2, 3] },
    { operands: [op(3), { shape: "number", domain }], call: `${fn}(a, b)`, out: [3] },
    { operands: [{ shape: "number", domain }, op(2, 2)], call: `${fn}(a, b)`, out: [2, 2] },
  ];
};
const unaryVariants = (fn: string, domain?: readonly [number, number]): Variant[] => [
  { operands: [{ shape: [2, 3], domain }], call: `${fn}(a)`, out: [2, 3] },
  { operands: [{ shape: "number", domain }], call: `${fn}(a)`, out: [] },
];
const reductionVariants = (fn: string): Variant[] => [
  { operands: [t(2, 3, 2)], call: `${fn}(a)`, out: [] },
  { operands: [t(2, 3, 2)], call: `${fn}(a, 1)`, out: [2, 2] },
  { operands: [t(2, 3, 2)], call: `${fn}(a, -1, true)`, out: [2, 3, 1] },
  { operands: [t(2, 3, 2)], call: `${fn}(a, [0, 2])`, out: [3] },
  { operands: [t(2, 3, 2)], call: `${fn}(a, [0, 2], true)`, out: [1, 3, 1] },
  { operands: [t(2, 3)], call: `${fn}(a, undefined, true)`, out: [1, 1] },
];

const CASES: Record<string, Variant[]> = {
  add: binaryVariants("add"),
  sub: binaryVariants("sub"),
  mul: binaryVariants("mul"),
  div: binaryVariants("div", [0.5, 2]),
  pow: [
    ...binaryVariants("pow", [0.3, 2]),
    { operands: [t(2, 3)], call: "pow(a, 3)", out: [2, 3] },
    { operands: [t(2, 3)], call: "pow(a, 2)", out: [2, 3] },
  ],
  maximum: binaryVariants("maximum"),
  minimum: binaryVariants("minimum"),
  neg: unaryVariants("neg"),
  exp: unaryVariants("exp"),
  log: unaryVariants("log", [0.3, 3]),
  log1p: unaryVariants("log1p", [-0.5, 3]),
  sin: unaryVariants("sin"),
  cos: unaryVariants("cos"),
  tanh: unaryVariants("tanh"),
  sqrt: unaryVariants("sqrt", [0.3, 3]),
  abs: unaryVariants("abs"),
  square: unaryVariants("square"),
  sigmoid: unaryVariants("sigmoid"),
  relu: unaryVariants("relu"),
  softplus: unaryVariants("softplus"),
  sum: reductionVariants("sum"),
  mean: reductionVariants("mean"),
  logSumExp: reductionVariants("logSumExp"),
  reshape: [
    { operands: [t(2, 3)], call: "reshape(a, [3, 2])", out: [3, 2] },
    { operands: [t(2, 3)], call: "reshape(a, [-1])", out: [6] },
  ],
  transpose: [
    { operands: [t(2, 3)], call: "transpose(a)", out: [3, 2] },
    { operands: [t(2, 3, 4)], call: "transpose(a, [1, 2, 0])", out: [3, 4, 2] },
  ],
  matmul: [
    { operands: [t(2, 3), t(3, 4)], call: "matmul(a, b)", out: [2, 4] },
    { operands: [t(2, 3), t(3)], call: "matmul(a, b)", out: [2] },
    { operands: [t(3), t(3, 4)], call: "matmul(a, b)", out: [4] },
    { operands: [t(3), t(3)], call: "matmul(a, b)", out: [] },
    // A leading batch dimension, on both sides or broadcast from one (a shared weight).
    { operands: [t(2, 3, 4), t(2, 4, 2)], call: "matmul(a, b)", out: [2, 3, 2] },
    { operands: [t(2, 3, 4), t(4, 2)], call: "matmul(a, b)", out: [2, 3, 2] },
    { operands: [t(3, 4), t(2, 4, 2)], call: "matmul(a, b)", out: [2, 3, 2] },
    { operands: [t(1, 3, 4), t(2, 4, 2)], call: "matmul(a, b)", out: [2, 3, 2] },
    { operands: [t(2, 3, 4), t(4)], call: "matmul(a, b)", out: [2, 3] },
    { operands: [t(4), t(2, 4, 3)], call: "matmul(a, b)", out: [2, 3] },
  ],
  dot: [
    { operands: [t(3), t(3)], call: "dot(a, b)", out: [] },
    { operands: [t(2, 3), t(3, 2)], call: "dot(a, b)", out: [2, 2] },
  ],
  where: [
    { operands: [t(2, 3), t(2, 3), t(3)], call: "where(greater(a, 0), b, c)", out: [2, 3], constant: [0] },
    { operands: [t(2, 3), NUM, t(2, 3)], call: "where(greater(a, 0), b, c)", out: [2, 3], constant: [0] },
  ],
  logSoftmax: [
    { operands: [t(3, 4)], call: "logSoftmax(a)", out: [3, 4] },
    { operands: [t(3, 4)], call: "logSoftmax(a, 0)", out: [3, 4] },
  ],
  gather: [{ operands: [t(4, 3)], call: "gather(a, [2, 0, 2, 3])", out: [4, 3] }],
  argmax: [{ operands: [t(3, 4)], call: "mul(argmax(a), sum(a, 1))", out: [3] }],
  // Piecewise constant: the gradient is zero, which finite differences agree with away from jumps.
  sign: [{ operands: [t(2, 3)], call: "mul(sign(a), a)", out: [2, 3] }],
  greater: [{ operands: [t(2, 3), t(3)], call: "mul(greater(a, b), a)", out: [2, 3] }],
  equal: [{ operands: [t(2, 3), t(3)], call: "add(equal(a, b), a)", out: [2, 3] }],
};

const NAMES = ["a", "b", "c"];
/** What forward mode writes tangents with, which no source lowers to: checked through the jvp and hvp of every case below. */
const TANGENT_ONLY = ["broadcastLike", "zeroTangent", "onesTangent", "toNumber"];
const names = Object.keys(tensorRules).filter((name) => !TANGENT_ONLY.includes(name));
const variants = names.flatMap((rule) => (CASES[rule] ?? []).map((v, k) => ({ rule, v, id: `${rule}_${k}` })));

const source = [
  // Every tensor primitive by its rule's name, the name "adjoint" exports it by.
  `import { grad, jvp, hvp, Tensor, tensor, randomNormal, ${names.join(", ")} } from "adjoint";`,
  ...variants.flatMap(({ v, id }, n) => {
    const params = v.operands.map((o, i) => `${NAMES[i]}: ${o.shape === "number" ? "number" : "Tensor"}`).join(", ");
    const wrt = v.operands.map((_, i) => i).filter((i) => !v.constant?.includes(i));
    return [
      `const W_${id} = randomNormal([${v.out.join(", ")}], { seed: ${n + 1} });`,
      `export function f_${id}(${params}) { return sum(mul(W_${id}, ${v.call})); }`,
      `export const df_${id} = grad(f_${id}, { wrt: [${wrt.join(", ")}] });`,
      // Forward mode along each operand, and reverse over forward (the tangent rules' own adjoints).
      ...wrt.flatMap((i) => [
        `export const jf_${id}_${i} = jvp(f_${id}, { wrt: ${i} });`,
        `export const hf_${id}_${i} = hvp(f_${id}, { wrt: ${i} });`,
      ]),
    ];
  }),
].join("\n");

function sampler(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sample(o: Operand, random: () => number): number | Tensor {
  const [lo, hi] = o.domain ?? [-2, 2];
  // Keep values away from 0 so abs, relu and the comparisons are not probed at their kinks.
  const draw = (): number => {
    const v = lo + (hi - lo) * random();
    return Math.abs(v) < 0.05 ? v + 0.1 : v;
  };
  if (o.shape === "number") return draw();
  const size = o.shape.reduce((p, d) => p * d, 1);
  return runtime.tensor(Float64Array.from({ length: size }, draw), { shape: o.shape });
}

/** Central difference of f with respect to every element of operand i. */
function finiteDifferences(f: (...args: any[]) => number, args: (number | Tensor)[], i: number, h = 1e-6): number[] {
  const x = args[i]!;
  const at = (k: number, delta: number): number => {
    const copy = [...args];
    if (typeof x === "number") copy[i] = x + delta;
    else {
      const data = Float64Array.from(x.data);
      data[k]! += delta;
      copy[i] = runtime.tensor(data, { shape: x.shape });
    }
    const y = f(...copy) as number | Tensor;
    return typeof y === "number" ? y : y.item();
  };
  const size = typeof x === "number" ? 1 : x.size;
  return Array.from({ length: size }, (_, k) => (at(k, h) - at(k, -h)) / (2 * h));
}

it("every public kernel of the kernel table has a tensor rule, so a case here", () => {
  const kernels = (Object.entries(KERNELS) as [string, KernelSpec][]).filter(([, spec]) => spec.api !== "internal");
  expect(kernels.length).toBeGreaterThan(0);
  for (const [name] of kernels)
    expect(tensorRules, `kernel ${name} has no rule in transformer/rules`).toHaveProperty([name]);
});

describe("tensor rules against finite differences (float64)", () => {
  const compiled = compile(source);
  const program = compiled.run();

  it("compiles every case without diagnostics or type errors", () => {
    expect(compiled.codes).toEqual([]);
    expect(compiled.typeErrors).toEqual([]);
  });

  it.each(names)("%s", (rule) => {
    const cases = variants.filter((x) => x.rule === rule);
    expect(cases.length, `tensor rule ${rule} has no case in test/tensor-rules.test.ts`).toBeGreaterThan(0);
    for (const { v, id } of cases) {
      const f = program[`f_${id}`] as (...args: any[]) => number;
      const df = program[`df_${id}`] as (...args: any[]) => (number | Tensor)[];
      const random = sampler(id.length * 7919 + cases.indexOf(cases.find((c) => c.id === id)!));
      for (let trial = 0; trial < 3; trial++) {
        const args = v.operands.map((o) => sample(o, random));
        const grads = df(...args);
        const wrt = v.operands.map((_, i) => i).filter((i) => !v.constant?.includes(i));
        wrt.forEach((i, k) => {
          const g = grads[k]!;
          const x = args[i]!;
          // The gradient has its parameter's type, shape and dtype.
          if (typeof x === "number") expect(typeof g, `${id}: gradient of a number`).toBe("number");
          else {
            expect((g as Tensor).shape, `${id}: gradient shape of ${NAMES[i]}`).toEqual(x.shape);
            expect((g as Tensor).dtype).toBe("float64");
          }
          const actual = typeof g === "number" ? [g] : Array.from((g as Tensor).data);
          const expected = finiteDifferences(f, args, i);
          actual.forEach((value, e) => {
            const tol = 1e-6 * Math.max(1, Math.abs(expected[e]!));
            expect(Math.abs(value - expected[e]!), `${id} (${v.call}), d/d${NAMES[i]}[${e}]`).toBeLessThan(tol);
          });
        });
      }
    }
  });
});

describe("tangent rules against finite differences (float64): jvp along a random direction, and hvp against differences of the gradient", () => {
  const compiled = compile(source);
  const program = compiled.run();
  const direction = (x: number | Tensor, random: () => number): number | Tensor =>
    typeof x === "number"
      ? random() - 0.5
      : runtime.tensor(
          Float64Array.from(x.data, () => random() - 0.5),
          { shape: x.shape },
        );
  const along = (x: number | Tensor, v: number | Tensor, h: number): number | Tensor =>
    typeof x === "number"
      ? x + h * (v as number)
      : runtime.tensor(
          Float64Array.from(x.data, (xi, k) => xi + h * (v as Tensor).data[k]!),
          { shape: x.shape },
        );
  const values = (y: number | Tensor): number[] => (typeof y === "number" ? [y] : Array.from(y.data));

  it("the tangent-only primitives are in the table and used by the generated tangents", () => {
    for (const name of TANGENT_ONLY) expect(tensorRules).toHaveProperty([name]);
    expect(compiled.js["main.ts"]).toContain("adjoint.broadcastLike(");
  });

  it.each(names)("%s", (rule) => {
    for (const { v, id } of variants.filter((x) => x.rule === rule)) {
      const f = program[`f_${id}`] as (...args: any[]) => number;
      const df = program[`df_${id}`] as (...args: any[]) => (number | Tensor)[];
      const random = sampler(id.length * 104729 + 3);
      const args = v.operands.map((o) => sample(o, random));
      const wrt = v.operands.map((_, i) => i).filter((i) => !v.constant?.includes(i));
      wrt.forEach((i, k) => {
        const dir = direction(args[i]!, random);
        const shifted = (h: number): (number | Tensor)[] => args.map((a, j) => (j === i ? along(a, dir, h) : a));
        const h = 1e-6;
        const { value, tangent } = program[`jf_${id}_${i}`](...args, dir);
        expect(values(value)[0]).toBeCloseTo(values(f(...args))[0]!, 10);
        const fd = (values(f(...shifted(h)))[0]! - values(f(...shifted(-h)))[0]!) / (2 * h);
        expect(Math.abs(values(tangent)[0]! - fd), `${id}: tangent along ${NAMES[i]}`).toBeLessThan(
          1e-6 * Math.max(1, Math.abs(fd)),
        );
        if (rule === "sign" || rule === "greater" || rule === "equal" || rule === "argmax") return;
        const hv = values(program[`hf_${id}_${i}`](...args, dir));
        const plus = values(df(...shifted(1e-5))[k]!);
        const minus = values(df(...shifted(-1e-5))[k]!);
        hv.forEach((value, e) => {
          const expected = (plus[e]! - minus[e]!) / 2e-5;
          expect(Math.abs(value - expected), `${id} (${v.call}): hvp along ${NAMES[i]}[${e}]`).toBeLessThan(
            1e-5 * Math.max(1, Math.abs(expected)),
          );
        });
      });
    }
  });
});
